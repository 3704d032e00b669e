package io.deeploy.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deeploy.signing.DeeployWallet;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the SDK itself decides, against an HTTP peer that answers as told: a call retried after a 5xx keeps its
 * Idempotency-Key and is signed anew; a refusal becomes a typed exception with the API's code and field, and is not
 * retried. The calls against the real API are in the end-to-end tests (WorkerAppRunnerE2EIT).
 */
class DeeployClientTest {

    ApiStandIn api;

    @BeforeEach
    void start() throws IOException {
        api = ApiStandIn.start();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void aCallRetriedAfterA5xxKeepsItsIdempotencyKeyAndIsSignedAnew() {
        api.failuresLeft.set(2);
        DeeployWallet wallet = DeeployWallet.create();
        Project project = DeeployClient.withWallet(api.url(), wallet).createProject("site");
        assertThat(project).isEqualTo(new Project("prj-1", "site", "0xabc"));
        assertThat(api.seen).hasSize(3);
        assertThat(api.seen).extracting(s -> s.headers().get("Idempotency-key")).containsOnly(api.seen.get(0).headers()
                .get("Idempotency-key")).doesNotContainNull();
        assertThat(api.seen).extracting(s -> s.headers().get("X-deeploy-nonce")).doesNotHaveDuplicates();
        assertThat(api.seen.get(0).headers().get("X-deeploy-sender")).containsExactly(wallet.address());
        assertThat(api.seen.get(0).body()).isEqualTo("{\"name\":\"site\"}");
    }

    @Test
    void aRefusalIsATypedExceptionAndIsNotRetried() {
        api.status = 400;
        api.answer = "{\"code\":\"INVALID_FIELD\",\"field\":\"resources.cpu\",\"message\":\"cpu must be 0.1-64\"}";
        DeeployClient client = DeeployClient.withToken(api.url(), "dpt_test");
        assertThatThrownBy(() -> client.createJob("prj-1", JobRequest.car("web", "nginx:1").resources(100, 256)))
                .isInstanceOfSatisfying(DeeployApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("INVALID_FIELD");
                    assertThat(e.field()).isEqualTo("resources.cpu");
                });
        assertThat(api.seen).hasSize(1);
        assertThat(api.seen.get(0).headers().get("Authorization")).containsExactly("Bearer dpt_test");
        assertThat(api.seen.get(0).path()).isEqualTo("/api/projects/prj-1/jobs");
    }

    @Test
    void aJobRequestIsTheApisFields() {
        JobRequest job = JobRequest.war("hello", "https://git.example.org/site.git", "main", "local/python:bookworm")
                .repositoryCredentials("me", "tok").commands("make", "python3 -m http.server 8000").port(8000)
                .resources(0.5, 256).env(Map.of("MODE", "prod")).secretEnv(Map.of("KEY", "s")).restartPolicy("on-failure")
                .httpHealthCheck("/health", 10).targetNodeCount(2).nodeTags("CT:FR||CT:IT").durationEpochs(30)
                .volume("data", "/data").fileVolume("index", "/site/index.html", "hi").egress("none");
        assertThat(job.fields()).containsEntry("kind", "WAR").containsEntry("port", 8000)
                .containsEntry("repository", Map.of("url", "https://git.example.org/site.git", "branch", "main",
                        "username", "me", "token", "tok"))
                .containsEntry("volumes", List.of(Map.of("name", "data", "mountPath", "/data")))
                .containsEntry("nodeTags", List.of("CT:FR||CT:IT"));
        assertThatThrownBy(() -> JobRequest.car("web", "nginx:1").repositoryCredentials("me", "t"))
                .isInstanceOf(IllegalStateException.class);
    }
}
