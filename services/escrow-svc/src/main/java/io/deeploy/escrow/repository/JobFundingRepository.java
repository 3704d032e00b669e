package io.deeploy.escrow.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;

@ApplicationScoped
public class JobFundingRepository implements PanacheRepositoryBase<JobFunding, JobFunding.Key> {

    public Uni<JobFunding> byJob(long deploymentId, String jobId) {
        return find("key.deploymentId = ?1 and jobId = ?2", deploymentId, jobId).firstResult();
    }

    /** Jobs stopped and not yet closed on chain whose close may be sent at {@code now}, earliest first. */
    public Uni<List<JobFunding>> closesDue(long deploymentId, java.time.Instant now, int limit) {
        return find("key.deploymentId = ?1 and closeRequestedAt is not null and state in ?2 and closeNotBefore <= ?3 "
                + "order by closeNotBefore", deploymentId, List.of(JobFunding.State.FUNDED, JobFunding.State.ACTIVE), now)
                .page(0, limit).list();
    }

    /**
     * Closed chain jobs whose last epoch's settle window is over at {@code epochNow} (endEpoch + window <= epochNow) and
     * whose release is not postponed past {@code now}: the rest they hold goes back to their owners.
     */
    public Uni<List<JobFunding>> releasesDue(long deploymentId, long epochNow, int settleWindowEpochs,
            java.time.Instant now, int limit) {
        return find("key.deploymentId = ?1 and state = ?2 and endEpoch <= ?3 "
                + "and (closeNotBefore is null or closeNotBefore <= ?4) order by endEpoch", deploymentId,
                JobFunding.State.CLOSED, epochNow - settleWindowEpochs, now).page(0, limit).list();
    }

    /**
     * Linked jobs, not stopped, whose node set the chain lacks, each with its {@link JobNodes}: funded ones that have
     * served (to activate), active ones placed anew since their node set was last sent, and active ones paying for more
     * nodes than their spec asked for since their node count last changed (to remove: nodes the owner just bought are
     * not, while the revision that uses them is on its way), unless {@code nextEpoch} is their end (nothing left to
     * refund: such a job would otherwise be due, and cost a chain read, on every tick of its last epoch).
     */
    public Uni<List<Object[]>> nodeSetsDue(long deploymentId, long nextEpoch, int limit) {
        return getSession().chain(session -> session.createQuery("select f, n from JobFunding f, JobNodes n "
                + "where n.jobId = f.jobId and f.key.deploymentId = ?1 and f.closeRequestedAt is null and ("
                + "(f.state = ?2 and n.firstServedAt is not null) "
                + "or (f.state = ?3 and n.placement > 0 and n.placement > coalesce(n.appliedPlacement, 0)) "
                + "or (f.state = ?3 and n.wantedNodes > 0 and f.nodes > n.wantedNodes and f.endEpoch > ?4 "
                + "and (f.nodesChangedAt is null or n.wantedSince > f.nodesChangedAt))) "
                + "order by n.updatedAt", Object[].class)
                .setParameter(1, deploymentId).setParameter(2, JobFunding.State.FUNDED)
                .setParameter(3, JobFunding.State.ACTIVE).setParameter(4, nextEpoch).setMaxResults(limit).getResultList());
    }

    public Uni<List<JobFunding>> byJobs(long deploymentId, Collection<String> jobIds) {
        return list("key.deploymentId = ?1 and jobId in ?2", deploymentId, jobIds);
    }
}
