package io.deeploy.escrow.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class ChainTransactionRepository implements PanacheRepository<ChainTransaction> {

    public Uni<List<ChainTransaction>> open(long deploymentId) {
        return list("deploymentId = ?1 and state = ?2 order by nonce", deploymentId, ChainTransaction.State.SENDING);
    }

    public Uni<Long> countOpen(long deploymentId, ChainTransaction.Kind kind) {
        return count("deploymentId = ?1 and kind = ?2 and state = ?3", deploymentId, kind, ChainTransaction.State.SENDING);
    }

    /** The jobs among {@code jobIds} that have a transaction in flight. */
    public Uni<List<String>> jobsWithOpen(long deploymentId, java.util.Collection<String> jobIds) {
        return getSession().chain(session -> session.createQuery("select distinct t.jobId from ChainTransaction t "
                + "where t.deploymentId = ?1 and t.state = ?2 and t.jobId in ?3", String.class)
                .setParameter(1, deploymentId).setParameter(2, ChainTransaction.State.SENDING).setParameter(3, jobIds)
                .getResultList());
    }

    public Uni<List<ChainTransaction>> ofJob(long deploymentId, String jobId) {
        return list("deploymentId = ?1 and jobId = ?2 order by id", deploymentId, jobId);
    }

    /** Moves a SENDING transaction to its outcome; 0 when another reconciler got there first. */
    public Uni<Integer> resolve(long id, ChainTransaction.State state, Long block, String error, java.time.Instant at) {
        return update("state = ?1, blockNumber = ?2, error = ?3, updatedAt = ?4 where id = ?5 and state = ?6", state, block,
                error, at, id, ChainTransaction.State.SENDING);
    }
}
