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

    public Uni<Boolean> liveAliasTaken(String alias) {
        return count("alias = ?1 and state not in (?2, ?3)", alias, JobState.STOPPED, JobState.FAILED).map(n -> n > 0);
    }

    public Uni<Long> countLiveInProject(String projectId) {
        return count("projectId = ?1 and state <> ?2", projectId, JobState.STOPPED);
    }
}
