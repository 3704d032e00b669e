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

    public Uni<List<JobFunding>> byJobs(long deploymentId, Collection<String> jobIds) {
        return list("key.deploymentId = ?1 and jobId in ?2", deploymentId, jobIds);
    }
}
