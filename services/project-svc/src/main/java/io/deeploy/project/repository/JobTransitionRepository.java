package io.deeploy.project.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class JobTransitionRepository implements PanacheRepository<JobTransition> {

    public Uni<List<JobTransition>> history(String jobId) {
        return list("jobId = ?1 order by id", jobId);
    }
}
