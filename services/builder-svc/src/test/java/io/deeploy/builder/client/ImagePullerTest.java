package io.deeploy.builder.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.InternalServerErrorException;
import org.junit.jupiter.api.Test;

/** How a reference becomes the engine's pull parameters, and what of the engine's answer reaches the job. */
class ImagePullerTest {

    @Test
    void aReferenceWithoutTagPullsLatestNotEveryTag() {
        assertThat(ImagePuller.repositoryAndTag("127.0.0.1:15050/team/app")).containsExactly("127.0.0.1:15050/team/app", "latest");
        assertThat(ImagePuller.repositoryAndTag("127.0.0.1:15050/team/app:v1.2")).containsExactly("127.0.0.1:15050/team/app", "v1.2");
        assertThat(ImagePuller.repositoryAndTag("nginx")).containsExactly("nginx", "latest");
        assertThat(ImagePuller.repositoryAndTag("local/python:bookworm")).containsExactly("local/python", "bookworm");
        String digest = "registry.example.org/app@sha256:" + "a".repeat(64);
        assertThat(ImagePuller.repositoryAndTag(digest)).containsExactly(digest, null);
    }

    @Test
    void theEnginesRefusalIsTakenOutOfItsErrorBody() {
        // docker-java's form of an engine error answer.
        var refused = new InternalServerErrorException("Status 500: {\"message\":\"Head \\\"http://127.0.0.1:15050/v2/team/app/"
                + "manifests/v1\\\": unauthorized: authentication required\"}\n");
        assertThat(ImagePuller.refusal(refused))
                .isEqualTo("Head \"http://127.0.0.1:15050/v2/team/app/manifests/v1\": unauthorized: authentication required");
        assertThat(ImagePuller.refusal(new DockerClientException("Could not pull image: manifest unknown")))
                .isEqualTo("Could not pull image: manifest unknown");
        assertThat(ImagePuller.refusal(new DockerClientException("not {json"))).isEqualTo("not {json");
        assertThat(ImagePuller.refusal(new IllegalStateException())).isEqualTo("IllegalStateException");
    }

    @Test
    void thePasswordIsRedactedFromWhatTheEngineSaysAndFromTheLogin() {
        assertThat(ImagePuller.redact("login with s3cr3t-pw refused (s3cr3t-pw)", "s3cr3t-pw"))
                .isEqualTo("login with [redacted] refused ([redacted])");
        assertThat(ImagePuller.redact("nothing to hide", null)).isEqualTo("nothing to hide");
        assertThat(new ImagePuller.Login("registry.example.org", "deployer", "s3cr3t-pw").toString())
                .contains("registry.example.org", "deployer").doesNotContain("s3cr3t-pw");
    }
}
