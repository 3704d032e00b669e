package io.deeploy.project.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

@ApplicationScoped
public class JobTransitionRepository implements PanacheRepository<JobTransition> {

    public Uni<List<JobTransition>> history(String jobId) {
        return list("jobId = ?1 order by id", jobId);
    }

    /** The histories of several jobs in one query, by job. */
    public Uni<Map<String, List<JobTransition>>> histories(Collection<String> jobIds) {
        if (jobIds.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return list("jobId in ?1 order by id", jobIds).map(all -> all.stream()
                .collect(Collectors.groupingBy(transition -> transition.jobId)));
    }
}
