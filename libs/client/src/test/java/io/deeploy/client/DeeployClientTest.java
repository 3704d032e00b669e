package io.deeploy.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.deeploy.signing.DeeployWallet;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the SDK itself decides, against an HTTP peer that answers as told: a call retried after a 5xx keeps its
 * Idempotency-Key and is signed anew; a refusal becomes a typed exception with the API's code and field, and is not
 * retried. The calls against the real API are in the end-to-end tests (WorkerAppRunnerE2EIT).
 */
class DeeployClientTest {

    record Seen(String method, String path, Map<String, List<String>> headers, String body) {
    }

    HttpServer server;
    final List<Seen> seen = new CopyOnWriteArrayList<>();
    final AtomicInteger failuresLeft = new AtomicInteger();
    volatile int status = 201;
    volatile String answer = "{\"id\":\"prj-1\",\"name\":\"site\",\"owner\":\"0xabc\"}";

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (exchange.getRequestURI().getPath().equals("/api/auth")) {
            reply(exchange, 200, "{\"audience\":\"deeploy-test\"}");
            return;
        }
        seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                Map.copyOf(exchange.getRequestHeaders()), body));
        if (failuresLeft.getAndDecrement() > 0) {
            reply(exchange, 503, "{\"code\":\"UNAVAILABLE\",\"message\":\"try again\"}");
            return;
        }
        reply(exchange, status, answer);
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void aCallRetriedAfterA5xxKeepsItsIdempotencyKeyAndIsSignedAnew() {
        failuresLeft.set(2);
        DeeployWallet wallet = DeeployWallet.create();
        Project project = DeeployClient.withWallet(base(), wallet).createProject("site");
        assertThat(project).isEqualTo(new Project("prj-1", "site", "0xabc"));
        assertThat(seen).hasSize(3);
        assertThat(seen).extracting(s -> s.headers().get("Idempotency-key")).containsOnly(seen.get(0).headers()
                .get("Idempotency-key")).doesNotContainNull();
        assertThat(seen).extracting(s -> s.headers().get("X-deeploy-nonce")).doesNotHaveDuplicates();
        assertThat(seen.get(0).headers().get("X-deeploy-sender")).containsExactly(wallet.address());
        assertThat(seen.get(0).body()).isEqualTo("{\"name\":\"site\"}");
    }

    @Test
    void aRefusalIsATypedExceptionAndIsNotRetried() {
        status = 400;
        answer = "{\"code\":\"INVALID_FIELD\",\"field\":\"resources.cpu\",\"message\":\"cpu must be 0.1-64\"}";
        DeeployClient client = DeeployClient.withToken(base(), "dpt_test");
        assertThatThrownBy(() -> client.createJob("prj-1", JobRequest.car("web", "nginx:1").resources(100, 256)))
                .isInstanceOfSatisfying(DeeployApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("INVALID_FIELD");
                    assertThat(e.field()).isEqualTo("resources.cpu");
                });
        assertThat(seen).hasSize(1);
        assertThat(seen.get(0).headers().get("Authorization")).containsExactly("Bearer dpt_test");
        assertThat(seen.get(0).path()).isEqualTo("/api/projects/prj-1/jobs");
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
