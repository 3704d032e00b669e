package io.deeploy.scheduler.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;

@ApplicationScoped
public class PlacementRepository implements PanacheRepositoryBase<Placement, String> {

    /** The placements of those of {@code jobIds} that have one, in one query. */
    public Uni<List<Placement>> listByIds(Collection<String> jobIds) {
        return jobIds.isEmpty() ? Uni.createFrom().item(List.of()) : list("jobId in ?1", jobIds);
    }

    public Uni<List<Placement>> listInState(Placement.State state) {
        return list("state = ?1 order by updatedAt", state);
    }

    /** Placed jobs on fewer nodes than they ask for (scaled up while too few nodes were feasible), oldest first. */
    public Uni<List<Placement>> listShort() {
        return getSession().chain(session -> session.createNativeQuery("SELECT * FROM placement WHERE state = 'PLACED' "
                + "AND node_count > cardinality(string_to_array(node_ids, ',')) ORDER BY updated_at", Placement.class)
                .getResultList());
    }
}
