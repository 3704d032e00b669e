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

    /** Up to {@code limit} of the owner's live projects in creation order, those after {@code after} or from the first. */
    public Uni<List<Project>> pageOfOwner(String owner, Project after, int limit) {
        if (after == null) {
            return find("owner = ?1 and deletedAt is null order by createdAt, id", owner).page(0, limit).list();
        }
        return find("owner = ?1 and deletedAt is null and (createdAt > ?2 or (createdAt = ?2 and id > ?3)) order by createdAt, id",
                owner, after.createdAt, after.id).page(0, limit).list();
    }

    public Uni<Boolean> nameTaken(String owner, String name) {
        return count("owner = ?1 and name = ?2 and deletedAt is null", owner, name).map(n -> n > 0);
    }
}
