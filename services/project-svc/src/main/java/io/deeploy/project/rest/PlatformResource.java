package io.deeploy.project.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.project.client.EscrowClient;
import io.deeploy.project.client.SchedulerClient;
import io.deeploy.events.TagExpression;
import io.deeploy.project.config.BillingConfig;
import io.deeploy.project.service.ApiException;
import io.deeploy.signing.Audience;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

/**
 * What a client of this deployment needs before it signs in (public, read-only): how jobs are paid for and on which chain,
 * what a job would cost, and the nodes it may be placed on. The console reads these from its own origin; the answers come
 * from escrow-svc and scheduler-svc, which own them.
 */
@Path("/api/platform")
@Produces(MediaType.APPLICATION_JSON)
public class PlatformResource {

    private final BillingConfig billing;
    private final Audience audience;
    private final EscrowClient escrow;
    private final SchedulerClient scheduler;

    public PlatformResource(BillingConfig billing, Audience audience, EscrowClient escrow, SchedulerClient scheduler) {
        this.billing = billing;
        this.audience = audience;
        this.escrow = escrow;
        this.scheduler = scheduler;
    }

    /** The chain a wallet pays on: null in unpaid billing, or while escrow-svc cannot be asked. */
    public record ChainInfo(long chainId, String escrowAddress, String tokenAddress, Long epochLengthSeconds,
            int confirmations) {
    }

    public record PlatformInfo(String billing, String audience, long unpaidEpochLengthSeconds, ChainInfo chain) {
    }

    /** A node as a tenant may see it: no address, no operator. */
    public record NodeInfo(String id, String state, String status, JsonNode capacity, JsonNode free,
            Map<String, String> tags) {
    }

    @GET
    public Uni<PlatformInfo> info() {
        String mode = billing.mode().name().toLowerCase(java.util.Locale.ROOT);
        Uni<ChainInfo> chain = billing.mode() == BillingConfig.Mode.ESCROW
                ? escrow.chain().map(PlatformResource::chainInfo).onFailure().recoverWithNull()
                : Uni.createFrom().nullItem();
        return chain.map(c -> new PlatformInfo(mode, audience.value(), billing.unpaidEpochLength().toSeconds(), c));
    }

    /**
     * What createJob would charge: {@code nodes} nodes for {@code epochs} epochs, of the job type named or the cheapest
     * that covers {@code cpu} and {@code memoryMb} per node (escrow-svc's answer from the chain's quote; its refusals name
     * the job's fields, 503 ESCROW_UNAVAILABLE without it).
     */
    @GET
    @Path("/estimate")
    public Uni<JsonNode> estimate(@QueryParam("jobType") String jobType, @QueryParam("cpu") String cpu,
            @QueryParam("memoryMb") String memoryMb, @QueryParam("nodes") String nodes, @QueryParam("epochs") String epochs) {
        return escrow.estimate(jobType, cpu, memoryMb, nodes, epochs);
    }

    /**
     * The nodes the scheduler knows, with their tags and free resources (503 SCHEDULER_UNAVAILABLE without it); with
     * {@code tag} expressions (a job's {@code nodeTags}), only the nodes that match them all, as placement would take them.
     */
    @GET
    @Path("/nodes")
    public Uni<List<NodeInfo>> nodes(@QueryParam("tag") List<String> tags) {
        List<TagExpression> filter = new ArrayList<>();
        for (int i = 0; i < tags.size(); i++) {
            try {
                filter.add(TagExpression.parse(tags.get(i)));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("nodeTags[" + i + "]", e.getMessage());
            }
        }
        return scheduler.nodes().map(all -> StreamSupport.stream(all.spliterator(), false).map(PlatformResource::nodeInfo)
                .filter(node -> TagExpression.matchesAll(filter, node.tags())).toList());
    }

    private static ChainInfo chainInfo(JsonNode chain) {
        if (!chain.path("escrowAddress").isTextual()) {
            return null;
        }
        return new ChainInfo(chain.path("chainId").asLong(), chain.path("escrowAddress").asText(),
                chain.path("tokenAddress").asText(), chain.path("epochLengthSeconds").isNumber()
                        ? chain.path("epochLengthSeconds").asLong() : null, chain.path("confirmations").asInt());
    }

    private static NodeInfo nodeInfo(JsonNode node) {
        Map<String, String> tags = new java.util.TreeMap<>();
        node.path("tags").fields().forEachRemaining(tag -> tags.put(tag.getKey(), tag.getValue().asText()));
        return new NodeInfo(node.path("id").asText(), node.path("state").asText(null), node.path("status").asText(null),
                node.path("capacity"), node.path("free"), tags);
    }
}
