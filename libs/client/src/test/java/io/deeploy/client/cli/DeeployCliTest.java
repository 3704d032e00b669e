package io.deeploy.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.client.ApiStandIn;
import io.deeploy.signing.DeeployWallet;
import io.deeploy.signing.SignedRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the command line itself decides, against an HTTP peer that answers as told: the body from stdin is sent and
 * signed byte for byte, a refusal is printed as JSON with exit status 1, and a bad key file is named without its
 * content. The command line against the real API, through {@code ./deeploy api}, is e2e ShellApiE2EIT.
 */
class DeeployCliTest {

    ApiStandIn api;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws IOException {
        api = ApiStandIn.start();
        api.answer = "{\"id\":\"prj-1\"}";
    }

    @AfterEach
    void stop() {
        api.close();
    }

    record Ran(int exitCode, String out, String err) {
    }

    Ran run(Map<String, String> env, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = DeeployCli.run(args, env, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Ran(exit, out.toString(StandardCharsets.UTF_8).strip(), err.toString(StandardCharsets.UTF_8).strip());
    }

    Map<String, String> env(Path keyFile) {
        return Map.of("DEEPLOY_API_URL", api.url(),
                "DEEPLOY_WALLET_KEY_FILE", keyFile.toString());
    }

    Path keyFile(String content) throws IOException {
        Path file = dir.resolve("wallet.key");
        Files.writeString(file, content);
        return file;
    }

    @Test
    void theBodyOnStdinIsSentAndSignedAsItIsAndTheAnswerPrinted() throws IOException {
        String key = "0x" + "11".repeat(32);
        String body = "{ \"name\" : \"site\" }\n";

        Ran ran = run(env(keyFile(key + "\n")), body, "call", "post", "/api/projects");

        assertThat(ran.exitCode()).as(ran.err()).isZero();
        assertThat(ran.out()).isEqualTo("{\"id\":\"prj-1\"}");
        ApiStandIn.Seen call = api.seen.get(0);
        assertThat(call.method()).isEqualTo("POST");
        assertThat(call.body()).isEqualTo(body);
        assertThat(call.headers().get("Idempotency-key")).hasSize(1);
        String nonce = call.headers().get("X-deeploy-nonce").get(0);
        String expected = DeeployWallet.fromPrivateKey(key).sign(SignedRequest.message(ApiStandIn.AUDIENCE, "POST", "/api/projects",
                nonce, body.getBytes(StandardCharsets.UTF_8)));
        assertThat(call.headers().get("X-deeploy-signature")).containsExactly(expected);
    }

    @Test
    void aRefusalIsPrintedAsJsonWithExitStatusOne() throws IOException {
        api.status = 400;
        api.answer = "{\"code\":\"INVALID_FIELD\",\"field\":\"name\",\"message\":\"name is required\"}";

        Ran ran = run(env(keyFile("0x" + "22".repeat(32))), "{}", "call", "POST", "/api/projects");

        assertThat(ran.exitCode()).isEqualTo(DeeployCli.REFUSED);
        assertThat(ran.out()).isEqualTo(
                "{\"status\":400,\"code\":\"INVALID_FIELD\",\"field\":\"name\",\"message\":\"name is required\"}");
        assertThat(api.seen).hasSize(1);
    }

    @Test
    void aKeyFileThatHoldsNoKeyIsNamedWithoutItsContent() throws IOException {
        String notAKey = "correct horse battery staple";

        Ran ran = run(env(keyFile(notAKey)), "", "call", "GET", "/api/projects");

        assertThat(ran.exitCode()).isEqualTo(DeeployCli.USAGE);
        assertThat(ran.err()).contains("wallet.key").doesNotContain(notAKey);
        assertThat(api.seen).isEmpty();
    }

    @Test
    void aTokenFromTheEnvironmentIsSentInPlaceOfASignature() throws IOException {
        Map<String, String> env = new java.util.HashMap<>(env(keyFile("not read")));
        env.put("DEEPLOY_API_TOKEN", "dpt_abc");

        Ran ran = run(env, "", "call", "GET", "/api/projects/p/jobs");

        assertThat(ran.exitCode()).as(ran.err()).isZero();
        assertThat(api.seen.get(0).headers().get("Authorization")).containsExactly("Bearer dpt_abc");
        assertThat(api.seen.get(0).headers()).doesNotContainKey("X-deeploy-signature");
    }

    @Test
    void signPrintsTheThreeHeadersForTheBodyOnStdin() throws IOException {
        String key = "0x" + "33".repeat(32);
        Ran ran = run(env(keyFile(key)), "{\"id\":\"n1\"}", "sign", "POST", "/api/nodes", "deeploy-x");

        assertThat(ran.exitCode()).as(ran.err()).isZero();
        List<String> lines = ran.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo(SignedRequest.SENDER_HEADER + ": " + DeeployWallet.fromPrivateKey(key).address());
        String nonce = lines.get(1).substring((SignedRequest.NONCE_HEADER + ": ").length());
        assertThat(lines.get(2)).isEqualTo(SignedRequest.SIGNATURE_HEADER + ": " + DeeployWallet.fromPrivateKey(key)
                .sign(SignedRequest.message("deeploy-x", "POST", "/api/nodes", nonce,
                        "{\"id\":\"n1\"}".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void anUnknownMethodOrARelativePathIsAUsageError() throws IOException {
        assertThat(run(env(keyFile("0x" + "44".repeat(32))), "", "call", "FETCH", "/api/projects").exitCode())
                .isEqualTo(DeeployCli.USAGE);
        assertThat(run(env(keyFile("0x" + "44".repeat(32))), "", "call", "GET", "api/projects").exitCode())
                .isEqualTo(DeeployCli.USAGE);
        assertThat(api.seen).isEmpty();
    }
}
