package io.deeploy.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP peer on loopback that answers as told and records what it was sent: the API in the SDK's own tests, where
 * what is checked is what the SDK decides (retries, keys, signatures, refusals). It names audience {@code deeploy-test}
 * at {@code GET /api/auth}, which it does not record.
 */
public final class ApiStandIn implements AutoCloseable {

    public record Seen(String method, String path, Map<String, List<String>> headers, String body) {
    }

    public static final String AUDIENCE = "deeploy-test";

    private final HttpServer server;
    public final List<Seen> seen = new CopyOnWriteArrayList<>();
    /** How many of the next calls are answered 503. */
    public final AtomicInteger failuresLeft = new AtomicInteger();
    public volatile int status = 201;
    public volatile String answer = "{\"id\":\"prj-1\",\"name\":\"site\",\"owner\":\"0xabc\"}";

    private ApiStandIn(HttpServer server) {
        this.server = server;
    }

    public static ApiStandIn start() throws IOException {
        ApiStandIn standIn = new ApiStandIn(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        standIn.server.createContext("/", standIn::handle);
        standIn.server.start();
        return standIn;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (exchange.getRequestURI().getPath().equals("/api/auth")) {
            reply(exchange, 200, "{\"audience\":\"" + AUDIENCE + "\"}");
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

    @Override
    public void close() {
        server.stop(0);
    }
}
