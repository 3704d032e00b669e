package io.deeploy.escrow.service;

import io.deeploy.escrow.repository.Settlement;
import io.deeploy.escrow.repository.SettlementRepository;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.NodeAvailability;
import io.deeploy.events.payload.SettlementDue;
import io.deeploy.outbox.RejectedEventException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * Records the settlements the oracle attests, one per job-epoch, before anything goes to the chain: the row is what
 * makes a crash or a second attestation for the same epoch unable to pay twice.
 */
@ApplicationScoped
public class SettlementService {

    private final SettlementRepository settlements;

    public SettlementService(SettlementRepository settlements) {
        this.settlements = settlements;
    }

    /** Refuses an attestation that can never be settled. */
    public static void check(SettlementDue due) {
        if (due.epoch() < 0) {
            throw new RejectedEventException("epoch " + due.epoch() + " is negative");
        }
        if (due.availability() == null || due.availability().isEmpty()) {
            throw new RejectedEventException("no node availability attested for " + due.jobId() + " epoch " + due.epoch());
        }
        Set<String> nodes = new HashSet<>();
        for (NodeAvailability node : due.availability()) {
            if (node.permille() < 0 || node.permille() > 1000) {
                throw new RejectedEventException("availability of " + node.nodeId() + " is " + node.permille() + "‰, not 0-1000");
            }
            if (!nodes.add(node.nodeId())) {
                throw new RejectedEventException("node " + node.nodeId() + " attested twice");
            }
        }
    }

    /** Must run in a transaction (the idempotent consumer's). A second attestation of a recorded epoch is ignored. */
    public Uni<Void> record(SettlementDue due, Instant at) {
        check(due);
        Settlement.Key key = new Settlement.Key(due.jobId(), due.epoch());
        return settlements.findById(key).chain(existing -> {
            if (existing != null) {
                return Uni.createFrom().voidItem();
            }
            Settlement settlement = new Settlement();
            settlement.key = key;
            settlement.state = Settlement.State.PENDING;
            settlement.availability = EventCodec.toJson(due.availability());
            settlement.requestedAt = at;
            settlement.updatedAt = at;
            return settlements.persist(settlement).replaceWithVoid();
        });
    }
}
