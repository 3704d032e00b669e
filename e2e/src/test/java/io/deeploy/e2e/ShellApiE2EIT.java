package io.deeploy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.EventCodec;
import io.deeploy.signing.DeeployWallet;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./deeploy api}, the README's way of calling the API from a shell, run as a user runs it against a running
 * platform: its calls go through the Java SDK's command line, signed by the wallet in its key file (or carrying a project
 * token from the environment), retried with one Idempotency-Key, and a refusal comes back as the API's code and field
 * with exit status 1.
 */
class ShellApiE2EIT {

    static Platform platform;

    @TempDir
    static Path home;

    static Path keyFile;
    static DeeployWallet wallet;

    @BeforeAll
    static void start() throws Exception {
        platform = Platform.shared();
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String hex = "0x" + HexFormat.of().formatHex(key);
        keyFile = home.resolve("wallet.key");
        Files.writeString(keyFile, LeakScan.secret(hex) + "\n");
        wallet = DeeployWallet.fromPrivateKey(hex);
    }

    record Run(int exitCode, String stdout, String stderr) {
        JsonNode json() throws IOException {
            return EventCodec.mapper().readTree(stdout);
        }
    }

    /** {@code ./deeploy api ARGS...} with this test's wallet and {@code env}, against {@code apiUrl}. */
    static Run api(String apiUrl, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash",
                Path.of("..", "deeploy").toAbsolutePath().normalize().toString(), "api"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.startsWith("DEEPLOY_"));
        environment.put("DEEPLOY_HOME", home.resolve("deeploy-home").toString());
        environment.put("DEEPLOY_WALLET_KEY_FILE", keyFile.toString());
        environment.put("DEEPLOY_API_URL", apiUrl);
        environment.putAll(env);
        Process process = builder.start();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Thread errors = new Thread(() -> {
            try {
                process.getErrorStream().transferTo(stderr);
            } catch (IOException ignored) {
                // the process is gone
            }
        });
        errors.start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("./deeploy api %s ended", List.of(args)).isTrue();
        errors.join();
        return new Run(process.exitValue(), stdout, stderr.toString(StandardCharsets.UTF_8));
    }

    static Run api(String... args) throws Exception {
        return api(platform.url("project-svc", ""), Map.of(), args);
    }

    static List<String> projectNames(Run listed) throws IOException {
        List<String> names = new ArrayList<>();
        listed.json().forEach(project -> names.add(project.path("name").asText()));
        return names;
    }

    @Test
    void callsAreSignedByTheKeyFilesWalletAndAChangeRetriedWithItsKeyTakesEffectOnce() throws Exception {
        Run whoami = api("whoami");
        assertThat(whoami.exitCode()).as(whoami.stderr()).isZero();
        assertThat(whoami.json().path("address").asText()).isEqualTo(wallet.address());

        String name = "shell-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> sameKey = Map.of("DEEPLOY_IDEMPOTENCY_KEY", UUID.randomUUID().toString());
        Run created = api(platform.url("project-svc", ""), sameKey, "POST", "/api/projects", "{\"name\":\"" + name + "\"}");
        assertThat(created.exitCode()).as(created.stdout() + created.stderr()).isZero();
        assertThat(created.json().path("owner").asText()).isEqualTo(wallet.address());
        Run again = api(platform.url("project-svc", ""), sameKey, "POST", "/api/projects", "{\"name\":\"" + name + "\"}");
        assertThat(again.exitCode()).as(again.stdout() + again.stderr()).isZero();
        assertThat(again.json().path("id").asText()).isEqualTo(created.json().path("id").asText());

        // A body from a file, sent as the file holds it.
        Path body = home.resolve("project.json");
        Files.writeString(body, "{\"name\":\"" + name + "-file\"}\n");
        Run fromFile = api("POST", "/api/projects", "@" + body);
        assertThat(fromFile.exitCode()).as(fromFile.stdout() + fromFile.stderr()).isZero();

        Run listed = api("GET", "/api/projects");
        assertThat(listed.exitCode()).isZero();
        assertThat(projectNames(listed).stream().filter(listedName -> listedName.startsWith(name)))
                .containsExactlyInAnyOrder(name, name + "-file");
    }

    @Test
    void aRefusalIsPrintedWithItsCodeAndFieldExitsOneAndChangesNothing() throws Exception {
        List<String> before = projectNames(api("GET", "/api/projects"));

        Run refused = api("POST", "/api/projects", "{\"name\":\"-not a name\"}");

        assertThat(refused.exitCode()).as(refused.stdout() + refused.stderr()).isEqualTo(1);
        JsonNode refusal = refused.json();
        assertThat(refusal.path("status").asInt()).isEqualTo(400);
        assertThat(refusal.path("code").asText()).isEqualTo("INVALID_FIELD");
        assertThat(refusal.path("field").asText()).isEqualTo("name");
        assertThat(projectNames(api("GET", "/api/projects"))).isEqualTo(before);
    }

    @Test
    void aProjectTokenFromTheEnvironmentReachesItsProjectAndNoOther() throws Exception {
        String mine = api("POST", "/api/projects", "{\"name\":\"tok-" + UUID.randomUUID().toString().substring(0, 8) + "\"}")
                .json().path("id").asText();
        String other = api("POST", "/api/projects", "{\"name\":\"tok-" + UUID.randomUUID().toString().substring(0, 8) + "\"}")
                .json().path("id").asText();
        Run made = api("POST", "/api/projects/" + mine + "/tokens", "{\"name\":\"ci\",\"permissions\":[\"create\"]}");
        assertThat(made.exitCode()).as(made.stdout() + made.stderr()).isZero();
        String token = LeakScan.secret(made.json().path("token").asText());
        assertThat(token).startsWith("dpt_");

        Map<String, String> withToken = Map.of("DEEPLOY_API_TOKEN", token);
        Run jobs = api(platform.url("project-svc", ""), withToken, "GET", "/api/projects/" + mine + "/jobs");
        assertThat(jobs.exitCode()).as(jobs.stdout() + jobs.stderr()).isZero();
        assertThat(jobs.json().isArray()).isTrue();
        Run elsewhere = api(platform.url("project-svc", ""), withToken, "GET", "/api/projects/" + other + "/jobs");
        assertThat(elsewhere.exitCode()).as(elsewhere.stdout() + elsewhere.stderr()).isEqualTo(1);
        // Another project is as missing to the token as one that does not exist.
        assertThat(elsewhere.json().path("status").asInt()).isEqualTo(404);
        assertThat(elsewhere.json().path("code").asText()).isEqualTo("PROJECT_NOT_FOUND");
    }

    @Test
    void anApiThatCannotBeReachedIsExitThreeAfterItsRetries() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Run unreachable = api("http://127.0.0.1:" + closed, Map.of(), "GET", "/api/projects");
        assertThat(unreachable.exitCode()).as(unreachable.stdout() + unreachable.stderr()).isEqualTo(3);
        assertThat(unreachable.stderr()).contains("cannot be reached");
    }
}
