package io.deeploy.project.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class ProjectRepository implements PanacheRepositoryBase<Project, String> {

    public Uni<Project> findLive(String id) {
        return find("id = ?1 and deletedAt is null", id).firstResult();
    }

    public Uni<List<Project>> listLive(String owner) {
        return list("owner = ?1 and deletedAt is null order by createdAt", owner);
    }

    public Uni<Boolean> nameTaken(String owner, String name) {
        return count("owner = ?1 and name = ?2 and deletedAt is null", owner, name).map(n -> n > 0);
    }
}
