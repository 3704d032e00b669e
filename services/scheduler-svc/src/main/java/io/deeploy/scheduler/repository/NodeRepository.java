package io.deeploy.scheduler.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;

@ApplicationScoped
public class NodeRepository implements PanacheRepositoryBase<Node, String> {

    /**
     * The node's row, locked until the transaction ends: two heartbeats of one node recorded at once are taken one after
     * the other, so the later never finds the row as it was before the earlier and writes an older beat over it.
     */
    public Uni<Node> findForUpdate(String id) {
        return findById(id, LockModeType.PESSIMISTIC_WRITE);
    }

    public Uni<Set<String>> listLostIds() {
        return list("state = ?1", Node.State.LOST).map(lost -> lost.stream().map(node -> node.id)
                .collect(Collectors.toSet()));
    }

    public Uni<Integer> markLost(Instant heardBefore) {
        return update("state = ?1 where state = ?2 and lastHeartbeatAt < ?3", Node.State.LOST, Node.State.READY, heardBefore);
    }
}
