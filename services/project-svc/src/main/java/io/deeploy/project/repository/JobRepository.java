package io.deeploy.project.repository;

import io.deeploy.project.service.JobState;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class JobRepository implements PanacheRepositoryBase<Job, String> {

    /**
     * Up to {@code limit} of the project's jobs in creation order, those after {@code after} (a job of the project) or
     * from the first: a key, not an offset, so that a page costs the same however deep it is.
     */
    public Uni<List<Job>> pageOfProject(String projectId, Job after, int limit) {
        if (after == null) {
            return find("projectId = ?1 order by createdAt, id", projectId).page(0, limit).list();
        }
        return find("projectId = ?1 and (createdAt > ?2 or (createdAt = ?2 and id > ?3)) order by createdAt, id", projectId,
                after.createdAt, after.id).page(0, limit).list();
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

    /** Jobs not stopped or stopping whose paid time ends at or before {@code at}, the earliest first. */
    public Uni<List<Job>> paidUntilBy(java.time.Instant at, int limit) {
        return find("paidUntil <= ?1 and state not in ?2 order by paidUntil", at,
                List.of(JobState.STOPPING, JobState.STOPPED)).page(0, limit).list();
    }

    /** Jobs not stopped or stopping, not yet warned, whose paid time ends at or before {@code at}. */
    public Uni<List<Job>> unwarnedPaidUntilBy(java.time.Instant at, int limit) {
        return find("paidUntil <= ?1 and expiryWarnedAt is null and state not in ?2 order by paidUntil", at,
                List.of(JobState.STOPPING, JobState.STOPPED)).page(0, limit).list();
    }
}
