package io.deeploy.project.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.project.config.BillingConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * escrow-svc, which owns the chain: how a job is paid for, what it would cost, and the transactions that extend its chain
 * job. Its refusals (4xx with a code) are passed on as they are; no answer is 503 ESCROW_UNAVAILABLE.
 */
@ApplicationScoped
public class EscrowClient {

    /** escrow-svc's query parameters of a payment or an estimate, by the fields of a job they come from. */
    private static final Map<String, String> PAYMENT_FIELDS = Map.of("jobType", "jobType", "cpu", "resources.cpu",
            "memoryMb", "resources.memoryMb", "nodes", "targetNodeCount", "epochs", "durationEpochs");

    private final ServiceHttp http;

    public EscrowClient(BillingConfig billing, Vertx vertx) {
        this.http = new ServiceHttp(vertx, "escrow-svc", billing.escrowUrl(), "ESCROW_UNAVAILABLE");
    }

    @PreDestroy
    void close() {
        http.close();
    }

    /** escrow-svc's answer: the amount, and the transactions for the owner's wallet, in order. */
    public Uni<JsonNode> extension(String jobId, int epochs) {
        return http.get("/api/jobs/" + jobId + "/extension?epochs=" + epochs, Map.of());
    }

    /** escrow-svc's answer for giving the job's chain job {@code nodes} nodes in all: the approve and addNodes to sign. */
    public Uni<JsonNode> nodePurchase(String jobId, int nodes) {
        return http.get("/api/jobs/" + jobId + "/node-purchase?nodes=" + nodes, Map.of("nodes", "targetNodeCount"));
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
        return http.get("/api/jobs/" + jobId + "/payment" + query, PAYMENT_FIELDS);
    }

    /**
     * What createJob would charge for {@code nodes} nodes of the resources given (or of the job type named) for
     * {@code epochs}: escrow-svc's answer from the chain's own quote, which the console shows while a job is written.
     */
    public Uni<JsonNode> estimate(String jobType, String cpu, String memoryMb, String nodes, String epochs) {
        StringBuilder query = new StringBuilder("/api/estimate?nodes=").append(encode(nodes))
                .append("&epochs=").append(encode(epochs));
        appendIfGiven(query, "jobType", jobType);
        appendIfGiven(query, "cpu", cpu);
        appendIfGiven(query, "memoryMb", memoryMb);
        return http.get(query.toString(), PAYMENT_FIELDS);
    }

    /** The chain escrow-svc works on (its id, the escrow and token contracts, the epoch length), for a wallet. */
    public Uni<JsonNode> chain() {
        return http.get("/api/chain", Map.of());
    }

    private static void appendIfGiven(StringBuilder query, String name, String value) {
        if (value != null && !value.isBlank()) {
            query.append('&').append(name).append('=').append(encode(value));
        }
    }

    private static String encode(String value) {
        return value == null ? "" : URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
