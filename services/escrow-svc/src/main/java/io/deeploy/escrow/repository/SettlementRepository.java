package io.deeploy.escrow.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class SettlementRepository implements PanacheRepositoryBase<Settlement, Settlement.Key> {

    public Uni<List<Settlement>> listForJob(String jobId) {
        return list("key.jobId = ?1 order by key.epoch", jobId);
    }

    /** The oldest pending settlements (a bounded look-ahead; the caller filters what can be sent now). */
    public Uni<List<Settlement>> pending(int limit) {
        return find("state = ?1 order by requestedAt, key.jobId, key.epoch", Settlement.State.PENDING)
                .page(0, limit).list();
    }

    public Uni<List<Settlement>> inBatch(long batchId) {
        return list("batchId = ?1 and state = ?2", batchId, Settlement.State.SENDING);
    }
}
