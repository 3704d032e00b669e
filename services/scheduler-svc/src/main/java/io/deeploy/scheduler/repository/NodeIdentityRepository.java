package io.deeploy.scheduler.repository;

import io.deeploy.events.payload.NodeStatus;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.stream.Collectors;

@ApplicationScoped
public class NodeIdentityRepository implements PanacheRepositoryBase<NodeIdentity, String> {

    /** Nodes an admin has taken out of service (suspended or blacklisted), by id: no placements, their jobs move away. */
    public Uni<Map<String, NodeStatus>> outOfService() {
        return list("status <> ?1", NodeStatus.ACTIVE).map(rows -> rows.stream()
                .collect(Collectors.toMap(identity -> identity.nodeId, identity -> identity.status)));
    }
}
