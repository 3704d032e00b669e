package io.deeploy.project.repository;

import io.deeploy.project.service.JobState;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class JobRepository implements PanacheRepositoryBase<Job, String> {

    public Uni<List<Job>> listByProject(String projectId) {
        return list("projectId = ?1 order by createdAt", projectId);
    }

    /**
     * Whether a job that is not STOPPED holds {@code alias}: a FAILED job may still be restarted by its node, and its
     * URL must not pass to someone else meanwhile (index job_live_alias enforces it against races).
     */
    public Uni<Boolean> liveAliasTaken(String alias) {
        return count("alias = ?1 and state <> ?2", alias, JobState.STOPPED).map(n -> n > 0);
    }

    public Uni<Long> countLiveInProject(String projectId) {
        return count("projectId = ?1 and state <> ?2", projectId, JobState.STOPPED);
    }
}
