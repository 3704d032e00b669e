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
 * The things the node gateway asks of project-svc, with project-svc's forms: the log-grant key it publishes
 * ({@code GET /api/auth}), a job's secrets for the gateway ({@code GET /internal/jobs/{id}/secrets}) and the job's output
 * a node sent ({@code POST /internal/jobs/{id}/logs}), the internal token checked. The scheduler's and the agent's own
 * tests run no project-svc; the same paths against the real one are covered end to end. A test hands it a job's secrets
 * with {@code PUT /stand-in/jobs/{id}/secrets} and reads the log batches it was handed with
 * {@code GET /stand-in/jobs/{id}/logs} (over HTTP, whatever class loader it runs in).
 */
public final class ProjectStandIn implements AutoCloseable {

    private static final Pattern READ = Pattern.compile("/internal/jobs/([^/]+)/secrets");
    private static final Pattern WRITE = Pattern.compile("/stand-in/jobs/([^/]+)/secrets");
    private static final Pattern LOGS = Pattern.compile("/internal/jobs/([^/]+)/logs");
    private static final Pattern LOGS_SENT = Pattern.compile("/stand-in/jobs/([^/]+)/logs");

    private final String internalToken;
    private final String logGrantKey;
    private final Map<String, Map<String, String>> secretsByJob = new ConcurrentHashMap<>();
    private final Map<String, java.util.List<Object>> logsByJob = new ConcurrentHashMap<>();
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
        Matcher logs = LOGS.matcher(path);
        if (logs.matches() && exchange.getRequestMethod().equals("POST")) {
            if (!("Bearer " + internalToken).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                answer(exchange, 401, Map.of("code", "INTERNAL_UNAUTHORIZED"));
                return;
            }
            Map<String, Object> sent = EventCodec.mapper().readValue(exchange.getRequestBody(),
                    new TypeReference<Map<String, Object>>() { });
            logsByJob.computeIfAbsent(logs.group(1), job -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(sent);
            Object lines = sent.get("batch") instanceof Map<?, ?> batch ? batch.get("lines") : null;
            answer(exchange, 200, Map.of("kept", lines instanceof java.util.List<?> list ? list.size() : 0));
            return;
        }
        Matcher logsSent = LOGS_SENT.matcher(path);
        if (logsSent.matches() && exchange.getRequestMethod().equals("GET")) {
            answer(exchange, 200, logsByJob.getOrDefault(logsSent.group(1), java.util.List.of()));
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
