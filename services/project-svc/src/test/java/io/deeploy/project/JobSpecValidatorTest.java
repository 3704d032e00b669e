package io.deeploy.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deeploy.events.payload.Egress;
import io.deeploy.events.payload.HealthCheck;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.RegistryAuth;
import io.deeploy.events.payload.TunnelSettings;
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
                new CreateJobRequest.Repository("https://git.example.org/hello.git", "main", null, null, 30),
                List.of("python3 -m http.server 8000"), Map.of("MODE", "prod"), null, 8000,
                new CreateJobRequest.Resources(1.0, 512, 0), null, new CreateJobRequest.HealthCheck("http", "/", 1, 60, null),
                null, null, null, null, null, null, null, null, null, null);
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
        assertThat(spec.egress()).isEqualTo(Egress.INTERNET);
    }

    @Test
    void egressIsInternetNoneOrWhereTheOperatorAllowsItAll() {
        assertThat(JobSpecValidator.validate(copy(war(), "egress", "none")).egress()).isEqualTo(Egress.NONE);
        assertThat(JobSpecValidator.validate(copy(war(), "egress", "INTERNET")).egress()).isEqualTo(Egress.INTERNET);
        assertRefused(copy(war(), "egress", "all"), "egress");
        assertRefused(copy(war(), "egress", "host"), "egress");
        // A tunnel engine shares the app's network to reach its cloud: none leaves it nothing to reach.
        assertRefused(copy(copy(war(), "egress", "none"), "tunnel", new CreateJobRequest.Tunnel("cloudflare", null, null)),
                "tunnel.engine");
        assertThat(JobSpecValidator.validate(copy(copy(war(), "egress", "none"), "tunnel",
                new CreateJobRequest.Tunnel("builtin", null, null))).egress()).isEqualTo(Egress.NONE);
        assertThat(JobSpecValidator.validate(copy(war(), "egress", "all"), new JobSpecValidator.Rules(false, true)).egress())
                .isEqualTo(Egress.ALL);
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
                null, null, null, null, null, null, null, null, null, null);
        assertRefused(car, "image");
        CreateJobRequest withRepo = new CreateJobRequest("web", JobKind.CAR, "local/debian:bookworm",
                war().repository(), null, null, null, 80, null, null, null, null, null, null, null, null, null, null, null, null, null);
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
        assertRefused(with(r -> copy(r, "healthCheck", new CreateJobRequest.HealthCheck("udp", null, null, null, null))),
                "healthCheck.mode");
        assertRefused(with(r -> copy(r, "healthCheck", new CreateJobRequest.HealthCheck("http", "/", null, null, 0))),
                "healthCheck.intervalSeconds");
        assertThat(JobSpecValidator.validate(with(r -> copy(r, "healthCheck",
                new CreateJobRequest.HealthCheck("tcp", null, null, null, 7)))).healthCheck().intervalSeconds()).isEqualTo(7);
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

    @Test
    void aTunnelIsBuiltinUnlessAskedAndItsTokenIsStoredAsASecretOnly() {
        assertThat(JobSpecValidator.validate(war()).tunnel()).isNull();
        assertThat(JobSpecValidator.validate(tunnel("builtin", null, null)).tunnel())
                .isEqualTo(new TunnelSettings("builtin", null, null));
        // A quick tunnel: no token, no hostname, nothing secret.
        CreateJobRequest quick = tunnel("Cloudflare", null, null);
        assertThat(JobSpecValidator.validate(quick).tunnel()).isEqualTo(new TunnelSettings("cloudflare", null, null));
        assertThat(JobSpecValidator.secrets(quick)).isEmpty();

        CreateJobRequest named = tunnel("cloudflare", "eyJhIjoiY2YtdG9rZW4tdmFsdWUifQ==", "App.Example.org");
        JobSpec spec = JobSpecValidator.validate(named);
        assertThat(spec.tunnel()).isEqualTo(new TunnelSettings("cloudflare", "app.example.org", "tunnel.token"));
        assertThat(EventCodec.toJson(spec)).doesNotContain("eyJhIjoiY2YtdG9rZW4tdmFsdWUifQ==");
        assertThat(JobSpecValidator.secrets(named)).containsExactlyEntriesOf(Map.of("tunnel.token", "eyJhIjoiY2YtdG9rZW4tdmFsdWUifQ=="));

        CreateJobRequest ngrok = tunnel("ngrok", "2abcNgrokAuthtoken_xyz", null);
        assertThat(JobSpecValidator.validate(ngrok).tunnel()).isEqualTo(new TunnelSettings("ngrok", null, "tunnel.token"));
        assertThat(JobSpecValidator.validate(tunnel("ngrok", "2abcNgrokAuthtoken_xyz", "my-app.ngrok.app")).tunnel().hostname())
                .isEqualTo("my-app.ngrok.app");
    }

    @Test
    void badTunnelSettingsAreNamedWithoutEchoingTheToken() {
        assertRefused(tunnel("frp", null, null), "tunnel.engine");
        assertRefused(tunnel("", null, null), "tunnel.engine");
        assertRefused(tunnel("builtin", "tok", null), "tunnel.token");
        assertRefused(tunnel(null, "tok", null), "tunnel.token");
        assertRefused(tunnel("builtin", null, "app.example.org"), "tunnel.hostname");
        assertRefused(tunnel("cloudflare", "tok", null), "tunnel.hostname");
        assertRefused(tunnel("cloudflare", null, "app.example.org"), "tunnel.hostname");
        assertRefused(tunnel("ngrok", null, null), "tunnel.token");
        assertRefused(tunnel("ngrok", null, "my-app.ngrok.app"), "tunnel.token");
        assertRefused(tunnel("ngrok", "", null), "tunnel.token");
        for (String bad : new String[] {"https://app.example.org", "app.example.org:443", "app.example.org/x", "localhost",
                "-app.example.org", "app..example.org", "app_1.example.org", "x.trycloudflare.com", "a." + "b".repeat(64) + ".org"}) {
            assertRefused(tunnel("cloudflare", "tok", bad), "tunnel.hostname");
        }
        assertThatThrownBy(() -> JobSpecValidator.validate(tunnel("ngrok", "secret with-space", null)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.field()).isEqualTo("tunnel.token"))
                .hasMessageNotContaining("with-space");
        assertThatThrownBy(() -> JobSpecValidator.validate(tunnel("builtin", "builtin-secret-tok", null)))
                .hasMessageNotContaining("builtin-secret-tok");
    }

    @Test
    void aPrivateRegistryIsNamedInTheSpecAndItsPasswordIsStoredAsASecretOnly() {
        assertThat(JobSpecValidator.validate(war()).registry()).isNull();

        CreateJobRequest car = car("registry.example.org:5000/team/app:1.2",
                new CreateJobRequest.Registry(" Registry.Example.ORG:5000 ", "deployer", "pa ss/w0rd!"));
        JobSpec spec = JobSpecValidator.validate(car);
        assertThat(spec.image()).isEqualTo("registry.example.org:5000/team/app:1.2");
        assertThat(spec.registry()).isEqualTo(new RegistryAuth("registry.example.org:5000", "deployer", "registry.password"));
        assertThat(EventCodec.toJson(spec)).doesNotContain("pa ss/w0rd!");
        assertThat(JobSpecValidator.secrets(car)).containsExactlyEntriesOf(Map.of("registry.password", "pa ss/w0rd!"));

        // A WAR job's base image may come from a private registry too; loopback and localhost registries are named alike.
        CreateJobRequest war = copy(copy(war(), "image", "127.0.0.1:15050/base/python:bookworm"),
                "registry", new CreateJobRequest.Registry("127.0.0.1:15050", "ci", "tok"));
        assertThat(JobSpecValidator.validate(war).registry().server()).isEqualTo("127.0.0.1:15050");
        assertThat(JobSpecValidator.validate(car("localhost/app", new CreateJobRequest.Registry("localhost", "u", "p")))
                .registry().server()).isEqualTo("localhost");
        // An image on a registry with a port is a valid reference without credentials as well (a public registry).
        assertThat(JobSpecValidator.validate(car("10.0.0.5:5000/app@sha256:" + "a".repeat(64), null)).registry()).isNull();
    }

    @Test
    void badRegistrySettingsAreNamedWithoutEchoingThePassword() {
        String password = "registry-pw-7f3a9";
        // Servers whose own form is wrong although "<server>/app" is a valid image reference.
        for (String server : new String[] {"registry.example.org:0", "registry.example.org:70000", "reg_istry.example.org",
                "registry..example.org", "registry.example.org.", "registry", "team"}) {
            CreateJobRequest request = car(server + "/app:1", new CreateJobRequest.Registry(server, "deployer", password));
            assertRefused(request, "registry.server");
            assertThatThrownBy(() -> JobSpecValidator.validate(request)).hasMessageNotContaining(password);
        }
        for (String server : new String[] {"https://registry.example.org", "registry.example.org/team", "registry.example.org:",
                "-registry.example.org", "user@registry.example.org", " "}) {
            CreateJobRequest request = car("registry.example.org/app:1", new CreateJobRequest.Registry(server, "deployer", password));
            assertRefused(request, "registry.server");
            assertThatThrownBy(() -> JobSpecValidator.validate(request)).hasMessageNotContaining(password);
        }
        assertRefused(car("registry.example.org/app", new CreateJobRequest.Registry(null, "deployer", password)), "registry.server");
        // The image must be on the server the credentials are for, not on another one that merely starts alike.
        for (String image : new String[] {"local/python:bookworm", "registry.example.org.evil.net/app", "registry.example.org:5000/app",
                "evil.net/registry.example.org/app", "app"}) {
            CreateJobRequest request = car(image, new CreateJobRequest.Registry("registry.example.org", "deployer", password));
            assertRefused(request, "registry.server");
            assertThatThrownBy(() -> JobSpecValidator.validate(request)).hasMessageNotContaining(password);
        }
        assertRefused(copy(war(), "registry", new CreateJobRequest.Registry("registry.example.org", "deployer", password)),
                "registry.server");

        assertRefused(car("registry.example.org/app", new CreateJobRequest.Registry("registry.example.org", null, password)),
                "registry.username");
        assertRefused(car("registry.example.org/app", new CreateJobRequest.Registry("registry.example.org", "", password)),
                "registry.username");
        assertRefused(car("registry.example.org/app", new CreateJobRequest.Registry("registry.example.org", "de ployer", password)),
                "registry.username");
        assertRefused(car("registry.example.org/app", new CreateJobRequest.Registry("registry.example.org", "deployer", null)),
                "registry.password");
        assertRefused(car("registry.example.org/app", new CreateJobRequest.Registry("registry.example.org", "deployer", "")),
                "registry.password");
        assertRefused(car("registry.example.org/app", new CreateJobRequest.Registry("registry.example.org", "deployer",
                "x".repeat(4097))), "registry.password");
        for (String bad : new String[] {password + "\n", "\u0007" + password, password + "\u0000"}) {
            CreateJobRequest request = car("registry.example.org/app", new CreateJobRequest.Registry("registry.example.org", "deployer", bad));
            assertRefused(request, "registry.password");
            assertThatThrownBy(() -> JobSpecValidator.validate(request)).hasMessageNotContaining(password);
        }
    }

    @Test
    void repositoriesOnThisMachineOrAPrivateNetworkAreRefusedUnlessTheOperatorAllowsThem() {
        for (String url : new String[] {"file:///work/deeploy/.git", "/var/lib/deeploy-node/jobs/other/mirror",
                "ssh://git@example.org/r.git", "http://localhost:3000/r.git", "git://127.0.0.1/r.git", "https://10.0.0.7/r.git",
                "http://[::1]:8080/r.git", "http://169.254.169.254/latest/meta-data/", "http://2130706433/r.git",
                "https://[::ffff:192.168.0.1]/r.git", "http://app.localhost/r.git", "https:///r.git"}) {
            assertRefused(repository(url), "repository.url");
        }
        JobSpecValidator.Rules loosened = new JobSpecValidator.Rules(true, false);
        assertThat(JobSpecValidator.validate(repository("git://127.0.0.1:9418/r.git"), loosened).vcs().repositoryUrl())
                .isEqualTo("git://127.0.0.1:9418/r.git");
        // Loosened for private addresses, still never a path on the node.
        assertThatThrownBy(() -> JobSpecValidator.validate(repository("file:///etc"), loosened)).isInstanceOf(ApiException.class);
        assertThat(JobSpecValidator.validate(repository("https://git.example.org/team/app.git")).vcs()).isNotNull();
    }

    private static CreateJobRequest repository(String url) {
        return copy(war(), "repository", new CreateJobRequest.Repository(url, "main", null, null, 30));
    }

    private static CreateJobRequest car(String image, CreateJobRequest.Registry registry) {
        return copy(copy(copy(copy(war(), "kind", JobKind.CAR), "repository", null), "image", image), "registry", registry);
    }

    private static CreateJobRequest tunnel(String engine, String token, String hostname) {
        return copy(war(), "tunnel", new CreateJobRequest.Tunnel(engine, token, hostname));
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
