package io.deeploy.outbox.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.deeploy.events.EventCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two things the node gateway asks of project-svc, with project-svc's forms: the log-grant key it publishes
 * ({@code GET /api/auth}) and a job's secrets for the gateway ({@code GET /internal/jobs/{id}/secrets}, internal token
 * checked). The scheduler's and the agent's own tests run no project-svc; the same path against the real one is covered
 * end to end. A test hands it a job's secrets with {@code PUT /stand-in/jobs/{id}/secrets} (over HTTP, whatever class
 * loader it runs in).
 */
public final class ProjectStandIn implements AutoCloseable {

    private static final Pattern READ = Pattern.compile("/internal/jobs/([^/]+)/secrets");
    private static final Pattern WRITE = Pattern.compile("/stand-in/jobs/([^/]+)/secrets");

    private final String internalToken;
    private final String logGrantKey;
    private final Map<String, Map<String, String>> secretsByJob = new ConcurrentHashMap<>();
    private final HttpServer server;

    public ProjectStandIn(String internalToken, String logGrantKey) throws IOException {
        this.internalToken = internalToken;
        this.logGrantKey = logGrantKey;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try {
                handle(exchange);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (path.equals("/api/auth") && exchange.getRequestMethod().equals("GET")) {
            answer(exchange, 200, Map.of("audience", "deeploy", "logGrantKey", logGrantKey));
            return;
        }
        Matcher write = WRITE.matcher(path);
        if (write.matches() && exchange.getRequestMethod().equals("PUT")) {
            Map<String, String> secrets = EventCodec.mapper().readValue(exchange.getRequestBody(),
                    new TypeReference<Map<String, String>>() { });
            secretsByJob.put(write.group(1), Map.copyOf(secrets));
            answer(exchange, 204, null);
            return;
        }
        Matcher read = READ.matcher(path);
        if (!read.matches() || !exchange.getRequestMethod().equals("GET")) {
            answer(exchange, 404, Map.of("code", "NOT_FOUND"));
            return;
        }
        if (!("Bearer " + internalToken).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            answer(exchange, 401, Map.of("code", "INTERNAL_UNAUTHORIZED"));
            return;
        }
        Map<String, String> secrets = secretsByJob.get(read.group(1));
        if (secrets == null) {
            answer(exchange, 404, Map.of("code", "JOB_NOT_FOUND"));
            return;
        }
        exchange.getResponseHeaders().add("Cache-Control", "no-store");
        answer(exchange, 200, Map.of("secrets", secrets));
    }

    private static void answer(HttpExchange exchange, int status, Object body) throws IOException {
        if (body == null) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        byte[] json = EventCodec.mapper().writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, json.length);
        exchange.getResponseBody().write(json);
    }
}
