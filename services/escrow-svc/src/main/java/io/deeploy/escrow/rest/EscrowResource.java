package io.deeploy.escrow.rest;

import io.deeploy.escrow.client.ChainClient;
import io.deeploy.escrow.repository.SettlementRepository;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;

@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class EscrowResource {

    private final ChainClient chain;
    private final SettlementRepository settlements;

    public EscrowResource(ChainClient chain, SettlementRepository settlements) {
        this.chain = chain;
        this.settlements = settlements;
    }

    public record SettlementView(String jobId, long epoch, String state, String txHash, Instant requestedAt) {
    }

    @GET
    @Path("/chain")
    public Uni<ChainClient.ChainHead> chain() {
        return chain.head();
    }

    @GET
    @Path("/jobs/{jobId}/settlements")
    @WithSession
    public Uni<List<SettlementView>> settlements(@PathParam("jobId") String jobId) {
        return settlements.listForJob(jobId).map(list -> list.stream()
                .map(s -> new SettlementView(s.key.jobId(), s.key.epoch(), s.state.name(), s.txHash, s.requestedAt)).toList());
    }
}
