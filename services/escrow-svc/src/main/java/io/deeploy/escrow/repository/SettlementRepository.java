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
}
