package io.deeploy.scheduler.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;

@ApplicationScoped
public class NodeRepository implements PanacheRepositoryBase<Node, String> {

    public Uni<Set<String>> listLostIds() {
        return list("state = ?1", Node.State.LOST).map(lost -> lost.stream().map(node -> node.id)
                .collect(Collectors.toSet()));
    }

    public Uni<Integer> markLost(Instant heardBefore) {
        return update("state = ?1 where state = ?2 and lastHeartbeatAt < ?3", Node.State.LOST, Node.State.READY, heardBefore);
    }
}
