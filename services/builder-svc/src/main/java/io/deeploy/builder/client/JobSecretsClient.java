package io.deeploy.builder.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.EventCodec;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the secrets of a job placed on this node from project-svc, authenticated with the node token. Blocking: call
 * from a worker thread. Values are held in memory only and never logged; errors name the job and the status, never a
 * value.
 */
@ApplicationScoped
public class JobSecretsClient {

    /**
     * project-svc learns the job's placement from the same NodeSelected that brought the job here, possibly a moment
     * later; until then it answers NODE_NOT_ASSIGNED, which is retried for this long.
     */
    static final Duration ASSIGNMENT_GRACE = Duration.ofSeconds(20);

    private final NodeConfig node;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public JobSecretsClient(NodeConfig node) {
        this.node = node;
    }

    /** Thrown when a job's secrets cannot be read; its message is safe to show to the job's owner. */
    public static class SecretsUnavailable extends Exception {
        public SecretsUnavailable(String message) {
            super(message);
        }
    }

    public Map<String, String> secretsOf(String jobId) throws SecretsUnavailable {
        if (node.token().isEmpty()) {
            throw new SecretsUnavailable("this node has no node token (DEEPLOY_NODE_TOKEN), so it cannot read the job's secrets");
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(node.projectUrl() + "/internal/jobs/"
                + URLEncoder.encode(jobId, StandardCharsets.UTF_8) + "/secrets"))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + node.token().get())
                .header("X-Deeploy-Node", node.id())
                .GET().build();
        long deadline = System.nanoTime() + ASSIGNMENT_GRACE.toNanos();
        while (true) {
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new SecretsUnavailable("project-svc at " + node.projectUrl() + " is unreachable: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SecretsUnavailable("interrupted while reading the job's secrets");
            }
            if (response.statusCode() == 200) {
                return parse(response.body());
            }
            if (response.statusCode() == 403 && System.nanoTime() < deadline) {
                pause();
                continue;
            }
            throw new SecretsUnavailable("project-svc refused the job's secrets (HTTP " + response.statusCode() + " "
                    + errorCode(response.body()) + ")");
        }
    }

    private static Map<String, String> parse(String body) throws SecretsUnavailable {
        try {
            Map<String, String> secrets = new LinkedHashMap<>();
            JsonNode values = EventCodec.mapper().readTree(body).path("secrets");
            values.fields().forEachRemaining(entry -> secrets.put(entry.getKey(), entry.getValue().asText()));
            return secrets;
        } catch (IOException e) {
            throw new SecretsUnavailable("project-svc sent an unreadable answer for the job's secrets");
        }
    }

    private static String errorCode(String body) {
        try {
            return EventCodec.mapper().readTree(body).path("code").asText("");
        } catch (IOException e) {
            return "";
        }
    }

    private static void pause() throws SecretsUnavailable {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SecretsUnavailable("interrupted while reading the job's secrets");
        }
    }
}
