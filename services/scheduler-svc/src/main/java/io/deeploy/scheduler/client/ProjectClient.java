package io.deeploy.scheduler.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.EventCodec;
import io.deeploy.node.api.LogBatch;
import io.deeploy.scheduler.config.GatewayConfig;
import io.deeploy.scheduler.service.GatewayException;
import io.smallrye.mutiny.Uni;
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
 * project-svc as the gateway needs it: a job's secrets (read with the platform services' internal token, which no node
 * holds), and the public key that verifies log grants. Non-blocking; results arrive on the HTTP client's threads.
 */
@ApplicationScoped
public class ProjectClient {

    private final GatewayConfig config;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private volatile String logGrantKey;

    public ProjectClient(GatewayConfig config) {
        this.config = config;
    }

    public Uni<Map<String, String>> secretsOf(String jobId) {
        if (config.internalToken().isEmpty()) {
            return Uni.createFrom().failure(new GatewayException(503, "SECRETS_UNAVAILABLE",
                    "this gateway has no internal token (DEEPLOY_INTERNAL_TOKEN), so it cannot read job secrets"));
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(config.projectUrl() + "/internal/jobs/"
                        + URLEncoder.encode(jobId, StandardCharsets.UTF_8) + "/secrets"))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + config.internalToken().get()).GET().build();
        return Uni.createFrom().completionStage(() -> http.sendAsync(request, HttpResponse.BodyHandlers.ofString()))
                .onFailure(IOException.class).transform(e -> new GatewayException(503, "SECRETS_UNAVAILABLE",
                        "project-svc is unreachable: " + e.getMessage()))
                .map(response -> {
                    if (response.statusCode() == 404) {
                        throw new GatewayException(404, "JOB_NOT_FOUND", "job " + jobId + " has no secrets any more (stopped)");
                    }
                    if (response.statusCode() != 200) {
                        throw new GatewayException(503, "SECRETS_UNAVAILABLE", "project-svc answered " + response.statusCode());
                    }
                    return parse(response.body());
                });
    }

    /**
     * Hands a node's batch of a job's output to project-svc ({@code POST /internal/jobs/{id}/logs}, the internal token),
     * naming the node the gateway authenticated. Returns how many lines were new there.
     */
    public Uni<Integer> logs(String jobId, String nodeId, LogBatch batch) {
        if (config.internalToken().isEmpty()) {
            return Uni.createFrom().failure(new GatewayException(503, "LOGS_UNAVAILABLE",
                    "this gateway has no internal token (DEEPLOY_INTERNAL_TOKEN), so it cannot hand logs on"));
        }
        byte[] body;
        try {
            body = EventCodec.mapper().writeValueAsBytes(new NodeLogBatch(nodeId, batch));
        } catch (IOException e) {
            return Uni.createFrom().failure(e);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(config.projectUrl() + "/internal/jobs/"
                        + URLEncoder.encode(jobId, StandardCharsets.UTF_8) + "/logs"))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + config.internalToken().get())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return Uni.createFrom().completionStage(() -> http.sendAsync(request, HttpResponse.BodyHandlers.ofString()))
                .onFailure(IOException.class).transform(e -> new GatewayException(503, "LOGS_UNAVAILABLE",
                        "project-svc is unreachable: " + e.getMessage()))
                .map(response -> {
                    if (response.statusCode() == 404) {
                        throw new GatewayException(404, "JOB_NOT_FOUND", "job " + jobId + " is not known to the platform");
                    }
                    if (response.statusCode() != 200) {
                        throw new GatewayException(503, "LOGS_UNAVAILABLE", "project-svc answered " + response.statusCode());
                    }
                    return readTree(response.body()).path("kept").asInt();
                });
    }

    /** What project-svc's internal logs endpoint takes: the batch and the node that sent it. */
    public record NodeLogBatch(String nodeId, LogBatch batch) {
    }

    /** The log-grant key project-svc publishes at /api/auth, or null while it cannot be read. */
    public Uni<String> logGrantKey() {
        if (logGrantKey != null) {
            return Uni.createFrom().item(logGrantKey);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(config.projectUrl() + "/api/auth")).timeout(Duration.ofSeconds(5))
                .GET().build();
        return Uni.createFrom().completionStage(() -> http.sendAsync(request, HttpResponse.BodyHandlers.ofString()))
                .map(response -> {
                    if (response.statusCode() != 200) {
                        return null;
                    }
                    String key = readTree(response.body()).path("logGrantKey").asText(null);
                    logGrantKey = key;
                    return key;
                })
                .onFailure().recoverWithNull();
    }

    /** project-svc's answer to a forwarded request: its status and JSON body, passed on as they are. */
    public record Answer(int status, String body) {
    }

    /**
     * Forwards an operator's signed node registration ({@code POST /api/nodes}, signed by the operator's wallet) to
     * project-svc as it is: the signature covers that method, path and body, so the gateway can neither change nor
     * forge it; project-svc checks it.
     */
    public Uni<Answer> register(Map<String, String> signatureHeaders, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(config.projectUrl() + "/api/nodes"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        signatureHeaders.forEach(request::header);
        return Uni.createFrom().completionStage(() -> http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()))
                .map(response -> new Answer(response.statusCode(), response.body()))
                .onFailure(IOException.class).transform(e -> new GatewayException(503, "API_UNAVAILABLE",
                        "project-svc is unreachable: " + e.getMessage()));
    }

    private static Map<String, String> parse(String body) {
        Map<String, String> secrets = new LinkedHashMap<>();
        readTree(body).path("secrets").fields().forEachRemaining(entry -> secrets.put(entry.getKey(), entry.getValue().asText()));
        return secrets;
    }

    private static JsonNode readTree(String body) {
        try {
            return EventCodec.mapper().readTree(body);
        } catch (IOException e) {
            throw new GatewayException(503, "SECRETS_UNAVAILABLE", "project-svc sent an unreadable answer");
        }
    }
}
