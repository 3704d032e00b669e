package io.deeploy.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deeploy.events.payload.HealthCheck;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.project.rest.CreateJobRequest;
import io.deeploy.project.service.ApiException;
import io.deeploy.project.service.JobSpecValidator;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class JobSpecValidatorTest {

    static CreateJobRequest war() {
        return new CreateJobRequest("hello-app", JobKind.WAR, "local/python:bookworm",
                new CreateJobRequest.Repository("http://127.0.0.1:9418/hello.git", "main", null, null, 30),
                List.of("python3 -m http.server 8000"), Map.of("MODE", "prod"), null, 8000,
                new CreateJobRequest.Resources(1.0, 512, 0), null, new CreateJobRequest.HealthCheck("http", "/", 1, 60),
                null, null, null, null, null, null);
    }

    @Test
    void aCompleteWarRequestBecomesASpecWithDefaults() {
        JobSpec spec = JobSpecValidator.validate(war());
        assertThat(spec.kind()).isEqualTo(JobKind.WAR);
        assertThat(spec.resources().cpuMillis()).isEqualTo(1000);
        assertThat(spec.resources().memoryMb()).isEqualTo(512);
        assertThat(spec.restartPolicy()).isEqualTo("always");
        assertThat(spec.targetNodeCount()).isEqualTo(1);
        assertThat(spec.durationEpochs()).isEqualTo(30);
        assertThat(spec.healthCheck().mode()).isEqualTo(HealthCheck.Mode.HTTP);
        assertThat(spec.vcs().branch()).isEqualTo("main");
    }

    @Test
    void volumesAndFilesAreCarriedWithNormalisedPaths() {
        JobSpec spec = JobSpecValidator.validate(copy(copy(war(), "volumes", List.of(new CreateJobRequest.Volume("data", "/data/"))),
                "fileVolumes", List.of(new CreateJobRequest.FileVolume("conf", "/config/app.ini", "a=1"))));
        assertThat(spec.volumes()).extracting(v -> v.name() + "@" + v.mountPath()).containsExactly("data@/data");
        assertThat(spec.fileVolumes()).extracting(f -> f.mountPath() + "=" + f.content()).containsExactly("/config/app.ini=a=1");
    }

    @Test
    void aCarRequestNeedsAnImageAndNoRepository() {
        CreateJobRequest car = new CreateJobRequest("web", JobKind.CAR, null, null, null, null, null, 80, null, null, null,
                null, null, null, null, null, null);
        assertRefused(car, "image");
        CreateJobRequest withRepo = new CreateJobRequest("web", JobKind.CAR, "local/debian:bookworm",
                war().repository(), null, null, null, 80, null, null, null, null, null, null, null, null, null);
        assertRefused(withRepo, "repository");
    }

    @Test
    void everyBadFieldIsNamed() {
        assertRefused(with(r -> copy(r, "alias", "Bad_Alias")), "alias");
        assertRefused(with(r -> copy(r, "alias", null)), "alias");
        assertRefused(with(r -> copy(r, "kind", null)), "kind");
        assertRefused(with(r -> copy(r, "port", 0)), "port");
        assertRefused(with(r -> copy(r, "port", 70000)), "port");
        assertRefused(with(r -> copy(r, "commands", List.of())), "commands");
        assertRefused(with(r -> copy(r, "commands", List.of("ok", " "))), "commands[1]");
        assertRefused(with(r -> copy(r, "env", Map.of("1BAD", "x"))), "env.1BAD");
        assertRefused(with(r -> copy(r, "restartPolicy", "sometimes")), "restartPolicy");
        assertRefused(with(r -> copy(r, "resources", new CreateJobRequest.Resources(0.01, 512, 0))), "resources.cpu");
        assertRefused(with(r -> copy(r, "resources", new CreateJobRequest.Resources(1.0, 1, 0))), "resources.memoryMb");
        assertRefused(with(r -> copy(r, "resources", new CreateJobRequest.Resources(1.0, 512, -1))), "resources.gpu");
        assertRefused(with(r -> copy(r, "repository", new CreateJobRequest.Repository("ftp://x/y", "main", null, null, 30))),
                "repository.url");
        assertRefused(with(r -> copy(r, "repository",
                new CreateJobRequest.Repository("https://user:token@example.org/r.git", "main", null, null, 30))), "repository.url");
        assertRefused(with(r -> copy(r, "repository",
                new CreateJobRequest.Repository("https://example.org/r.git", "a..b", null, null, 30))), "repository.branch");
        assertRefused(with(r -> copy(r, "repository",
                new CreateJobRequest.Repository("https://example.org/r.git", "main", null, null, 1))), "repository.pollIntervalSeconds");
        assertRefused(with(r -> copy(r, "healthCheck", new CreateJobRequest.HealthCheck("udp", null, null, null))),
                "healthCheck.mode");
        assertRefused(with(r -> copy(r, "targetNodes", List.of("n1", "n1"))), "targetNodes");
        assertRefused(with(r -> copy(r, "targetNodeCount", 0)), "targetNodeCount");
        assertRefused(with(r -> copy(r, "durationEpochs", 0)), "durationEpochs");
        assertRefused(with(r -> copy(r, "nodeTags", List.of("CT:FR||", "DC:*"))), "nodeTags[0]");
        assertRefused(with(r -> copy(r, "nodeTags", List.of("CT:FR", "IS_KYB && CT:IT"))), "nodeTags[1]");
        assertRefused(null, "body");
        assertRefused(with(r -> copy(r, "volumes", List.of(new CreateJobRequest.Volume("Data", "/data")))), "volumes[0].name");
        assertRefused(with(r -> copy(r, "volumes", List.of(new CreateJobRequest.Volume("data", "relative")))),
                "volumes[0].mountPath");
        assertRefused(with(r -> copy(r, "volumes", List.of(new CreateJobRequest.Volume("data", "/app/data")))),
                "volumes[0].mountPath");
        assertRefused(with(r -> copy(r, "volumes", List.of(new CreateJobRequest.Volume("data", "/etc")))), "volumes[0].mountPath");
        assertRefused(with(r -> copy(r, "volumes", List.of(new CreateJobRequest.Volume("a", "/data"),
                new CreateJobRequest.Volume("b", "/data/")))), "volumes[1]");
        assertRefused(with(r -> copy(r, "fileVolumes", List.of(new CreateJobRequest.FileVolume("conf", "/data/x", null)))),
                "fileVolumes[0].content");
        assertRefused(with(r -> copy(r, "fileVolumes", List.of(new CreateJobRequest.FileVolume("conf", "/a/../etc/passwd", "x")))),
                "fileVolumes[0].mountPath");
    }

    @Test
    void secretsAreNamedInTheSpecAndTheirValuesKeptOut() {
        CreateJobRequest request = copy(copy(war(), "repository",
                new CreateJobRequest.Repository("https://git.example.org/private.git", "main", "deployer", "tok-123", 30)),
                "secretEnv", Map.of("DB_PASSWORD", "hunter2"));
        JobSpec spec = JobSpecValidator.validate(request);
        assertThat(spec.vcs().credentialsRef()).isEqualTo(JobSpecValidator.VCS_TOKEN);
        assertThat(spec.vcs().username()).isEqualTo("deployer");
        assertThat(spec.secretEnvNames()).containsExactly("DB_PASSWORD");
        assertThat(io.deeploy.events.EventCodec.toJson(spec)).doesNotContain("tok-123").doesNotContain("hunter2");
        assertThat(JobSpecValidator.secrets(request)).containsExactlyInAnyOrderEntriesOf(
                Map.of("vcs.token", "tok-123", "env.DB_PASSWORD", "hunter2"));
        assertThat(JobSpecValidator.secrets(war())).isEmpty();
    }

    @Test
    void badSecretsAreNamedWithoutEchoingThem() {
        assertRefused(with(r -> copy(r, "repository",
                new CreateJobRequest.Repository("https://example.org/r.git", "main", null, "has space", 30))), "repository.token");
        assertRefused(with(r -> copy(r, "repository",
                new CreateJobRequest.Repository("git://example.org/r.git", "main", null, "tok", 30))), "repository.token");
        assertRefused(with(r -> copy(r, "secretEnv", Map.of("MODE", "x"))), "secretEnv.MODE");
        assertRefused(with(r -> copy(r, "secretEnv", Map.of("EMPTY", ""))), "secretEnv.EMPTY");
        assertThatThrownBy(() -> JobSpecValidator.validate(copy(war(), "repository",
                new CreateJobRequest.Repository("https://example.org/r.git", "main", null, "tok en-secret", 30))))
                .hasMessageNotContaining("en-secret");
    }

    private static void assertRefused(CreateJobRequest request, String field) {
        assertThatThrownBy(() -> JobSpecValidator.validate(request))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("INVALID_FIELD");
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.getMessage()).isNotBlank();
                });
    }

    private static CreateJobRequest with(UnaryOperator<CreateJobRequest> change) {
        return change.apply(war());
    }

    /** A copy of {@code r} with one component replaced, so each case changes exactly one field. */
    private static CreateJobRequest copy(CreateJobRequest r, String field, Object value) {
        var components = CreateJobRequest.class.getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        try {
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                values[i] = components[i].getName().equals(field) ? value : components[i].getAccessor().invoke(r);
            }
            return CreateJobRequest.class.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
