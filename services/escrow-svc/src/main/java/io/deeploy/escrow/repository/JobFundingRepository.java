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
        return find("key.deploymentId = ?1 and closeRequestedAt is not null and state <> ?2 and closeNotBefore <= ?3 "
                + "order by closeNotBefore", deploymentId, JobFunding.State.CLOSED, now).page(0, limit).list();
    }

    public Uni<List<JobFunding>> byJobs(long deploymentId, Collection<String> jobIds) {
        return list("key.deploymentId = ?1 and jobId in ?2", deploymentId, jobIds);
    }
}
