package io.deeploy.escrow.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class SettlementBatchRepository implements PanacheRepository<SettlementBatch> {

    public Uni<List<SettlementBatch>> open(long deploymentId) {
        return list("deploymentId = ?1 and state = ?2 order by nonce", deploymentId, SettlementBatch.State.SENDING);
    }
}
