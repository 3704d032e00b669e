package io.deeploy.project.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.project.config.BillingConfig;
import io.deeploy.project.service.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * escrow-svc, which owns the chain: how a job is paid for and the transactions that extend its chain job.
 * Non-blocking (a Vert.x client on the caller's event loop). Its refusals (4xx with a code) are passed on as they are;
 * no answer is 503 ESCROW_UNAVAILABLE.
 */
@ApplicationScoped
public class EscrowClient {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final BillingConfig billing;
    private final HttpClient http;

    public EscrowClient(BillingConfig billing, Vertx vertx) {
        this.billing = billing;
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) TIMEOUT.toMillis()));
    }

    @PreDestroy
    void close() {
        http.closeAndAwait();
    }

    /** escrow-svc's answer: the amount, and the transactions for the owner's wallet, in order. */
    public Uni<JsonNode> extension(String jobId, int epochs) {
        return get("/api/jobs/" + jobId + "/extension?epochs=" + epochs, Map.of());
    }

    /** escrow-svc's answer for giving the job's chain job {@code nodes} nodes in all: the approve and addNodes to sign. */
    public Uni<JsonNode> nodePurchase(String jobId, int nodes) {
        return get("/api/jobs/" + jobId + "/node-purchase?nodes=" + nodes, Map.of("nodes", "targetNodeCount"));
    }

    /**
     * How the job is paid for: escrow-svc checks the named {@code jobType} against the resources of a node, or chooses the
     * cheapest that covers them, and answers the amount and the transactions for the owner's wallet (approve, createJob
     * with the job's request id). Its refusals name this API's fields.
     */
    public Uni<JsonNode> payment(String jobId, Integer jobType, JobSpec spec) {
        String query = "?cpu=" + java.math.BigDecimal.valueOf(spec.resources().cpuMillis()).movePointLeft(3).toPlainString()
                + "&memoryMb=" + spec.resources().memoryMb() + "&nodes=" + spec.nodeCount()
                + "&epochs=" + spec.durationEpochs() + (jobType == null ? "" : "&jobType=" + jobType);
        return get("/api/jobs/" + jobId + "/payment" + query, PAYMENT_FIELDS);
    }

    /** escrow-svc's query parameters of a payment, by the fields of a job they come from. */
    private static final Map<String, String> PAYMENT_FIELDS = Map.of("jobType", "jobType", "cpu", "resources.cpu",
            "memoryMb", "resources.memoryMb", "nodes", "targetNodeCount", "epochs", "durationEpochs");

    private Uni<JsonNode> get(String uri, Map<String, String> fields) {
        if (billing.escrowUrl().isEmpty()) {
            return Uni.createFrom().failure(unavailable("deeploy.billing.escrow-url is not set"));
        }
        URI base = URI.create(billing.escrowUrl().get());
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost(base.getHost())
                .setPort(base.getPort()).setURI(uri).setTimeout(TIMEOUT.toMillis());
        return http.request(request).chain(req -> req.send()).chain(response -> response.body().map(body -> {
            JsonNode answer = parse(body.toString());
            if (response.statusCode() == 200) {
                return answer;
            }
            if (response.statusCode() >= 400 && response.statusCode() < 500 && answer.hasNonNull("code")) {
                String field = answer.path("field").isTextual() ? answer.path("field").asText() : null;
                throw new ApiException(response.statusCode(), answer.path("code").asText(),
                        field == null ? null : fields.getOrDefault(field, field), answer.path("message").asText());
            }
            throw unavailable("escrow-svc answered " + response.statusCode());
        })).onFailure(e -> !(e instanceof ApiException)).transform(e -> unavailable(e.getMessage()));
    }

    private static JsonNode parse(String body) {
        try {
            return EventCodec.mapper().readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return EventCodec.mapper().createObjectNode();
        }
    }

    private static ApiException unavailable(String why) {
        return new ApiException(503, "ESCROW_UNAVAILABLE", null, "the escrow service cannot be asked now (" + why + ")");
    }
}
