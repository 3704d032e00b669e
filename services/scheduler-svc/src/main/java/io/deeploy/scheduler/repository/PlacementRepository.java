package io.deeploy.scheduler.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class PlacementRepository implements PanacheRepositoryBase<Placement, String> {

    public Uni<List<Placement>> listInState(Placement.State state) {
        return list("state = ?1 order by updatedAt", state);
    }
}
