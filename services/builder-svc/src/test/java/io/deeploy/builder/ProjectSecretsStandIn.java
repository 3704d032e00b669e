package io.deeploy.builder;

import com.fasterxml.jackson.core.type.TypeReference;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.deeploy.events.EventCodec;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * project-svc's node endpoint for job secrets ({@code GET /internal/jobs/{id}/secrets}), as the agent sees it over HTTP:
 * the node token and node header are checked and the answer has project-svc's form. The agent is pointed at it in
 * place of the test profile's absent project-svc. A test hands it a job's secrets with {@code PUT
 * /stand-in/jobs/{id}/secrets} (over HTTP, so that it does not matter in which class loader the test runs).
 */
public class ProjectSecretsStandIn implements QuarkusTestResourceLifecycleManager {

    /** The test profile's node token and node id ({@code %test.deeploy.node.*}). */
    static final String NODE_TOKEN = "test-node-token";
    static final String NODE_ID = "it-node";
    private static final Pattern READ = Pattern.compile("/internal/jobs/([^/]+)/secrets");
    private static final Pattern WRITE = Pattern.compile("/stand-in/jobs/([^/]+)/secrets");

    private final Map<String, Map<String, String>> secretsByJob = new ConcurrentHashMap<>();
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on loopback", e);
        }
        server.createContext("/", exchange -> {
            try {
                handle(exchange);
            } finally {
                exchange.close();
            }
        });
        server.start();
        return Map.of("deeploy.node.project-url", "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
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
        if (!("Bearer " + NODE_TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            answer(exchange, 401, Map.of("code", "NODE_UNAUTHORIZED"));
            return;
        }
        if (!NODE_ID.equals(exchange.getRequestHeaders().getFirst("X-Deeploy-Node"))) {
            answer(exchange, 403, Map.of("code", "NODE_NOT_ASSIGNED"));
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
