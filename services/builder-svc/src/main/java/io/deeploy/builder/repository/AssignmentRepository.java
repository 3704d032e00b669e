package io.deeploy.builder.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class AssignmentRepository implements PanacheRepositoryBase<Assignment, String> {

    /** Every assignment one agent recorded, in any state. */
    public Uni<List<Assignment>> listOfNode(String nodeId) {
        return list("nodeId = ?1 order by updatedAt", nodeId);
    }

    public Uni<List<Assignment>> listActive() {
        return list("state = ?1 order by updatedAt", Assignment.State.ASSIGNED);
    }
}
