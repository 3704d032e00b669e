package io.deeploy.escrow.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;

@ApplicationScoped
public class ContractDeploymentRepository implements PanacheRepository<ContractDeployment> {

    /** Deployments made here on {@code chainId} with these parameters, newest first. */
    public Uni<List<ContractDeployment>> deployedHere(long chainId, String activator, String settler, long epochLength,
            int thresholdBps, int settleWindowEpochs) {
        return list("chainId = ?1 and deployedHere = true and lower(activatorAddress) = lower(?2) "
                + "and lower(settlerAddress) = lower(?3) and epochLength = ?4 and thresholdBps = ?5 "
                + "and settleWindowEpochs = ?6 order by id desc", chainId, activator, settler, epochLength, thresholdBps,
                settleWindowEpochs);
    }

    public Uni<ContractDeployment> byEscrow(long chainId, String escrow) {
        return find("chainId = ?1 and lower(escrowAddress) = lower(?2)", chainId, escrow).firstResult();
    }

    /** Moves the checkpoint from {@code from} to {@code to}; 0 when someone else moved it meanwhile. */
    public Uni<Integer> advance(long id, long from, long to) {
        return update("nextBlock = ?1, updatedAt = ?2 where id = ?3 and nextBlock = ?4", to, Instant.now(), id, from);
    }

    public Uni<Integer> rewind(long id, long to) {
        return update("nextBlock = ?1, updatedAt = ?2 where id = ?3 and nextBlock > ?1", to, Instant.now(), id);
    }
}
