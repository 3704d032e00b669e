package io.deeploy.scheduler.repository;

import io.deeploy.events.payload.Resources;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * What a placement decision reads of the cluster, as plain rows (no entities for the session to track): the version of
 * the nodes' placement-relevant state, the nodes in service, and the reservations per node.
 */
@ApplicationScoped
public class ClusterRepository {

    /** A READY node in service, as a decision sees it; {@code tags} as the node's JSON. */
    public record ReadyNode(String id, Resources capacity, String tags, double uptimeScore) {
    }

    /** What the PLACED jobs hold on one node, and when one of them was last placed there. */
    public record NodeLoad(String nodeId, Resources reserved, Instant lastPlacedAt) {
    }

    /** Moves whenever what {@link #listReady} answers changes, other than uptime scores (see V6__cluster_version.sql). */
    public Uni<Long> version() {
        return Panache.getSession().chain(session -> session.createNativeQuery("SELECT version FROM cluster_version WHERE id = 1")
                .getSingleResult()).map(version -> ((Number) version).longValue());
    }

    /** Nodes that are heard from and in service (an admin has not suspended or blacklisted them), by id. */
    public Uni<List<ReadyNode>> listReady() {
        return Panache.getSession().chain(session -> session.<Object[]>createNativeQuery(
                "SELECT n.id, n.capacity_cpu, n.capacity_memory, n.capacity_gpu, n.tags, n.uptime_score FROM node n "
                        + "JOIN node_identity i ON i.node_id = n.id WHERE n.state = 'READY' AND i.status = 'ACTIVE' ORDER BY n.id")
                .getResultList()).map(rows -> rows.stream().map(row -> new ReadyNode((String) row[0],
                        new Resources(((Number) row[1]).longValue(), ((Number) row[2]).longValue(), ((Number) row[3]).intValue()),
                        (String) row[4], ((Number) row[5]).doubleValue())).toList());
    }

    /**
     * The PLACED jobs' per-node resources summed on each node they run on, computed by the database. The session is
     * flushed first, so a decision sees the placements made earlier in its own transaction.
     */
    public Uni<List<NodeLoad>> reservations() {
        return Panache.getSession().chain(session -> session.flush().chain(() -> session.<Object[]>createNativeQuery(
                "SELECT n.node_id, sum(p.cpu)::bigint, sum(p.memory)::bigint, sum(p.gpu)::bigint, max(p.updated_at) "
                        + "FROM placement p CROSS JOIN LATERAL unnest(string_to_array(p.node_ids, ',')) AS n(node_id) "
                        + "WHERE p.state = 'PLACED' AND p.node_ids <> '' GROUP BY n.node_id").getResultList()))
                .map(rows -> rows.stream().map(row -> new NodeLoad((String) row[0], new Resources(((Number) row[1]).longValue(),
                        ((Number) row[2]).longValue(), ((Number) row[3]).intValue()), instant(row[4]))).toList());
    }

    private static Instant instant(Object value) {
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof OffsetDateTime offset) {
            return offset.toInstant();
        }
        if (value instanceof java.sql.Timestamp timestamp) {
            return timestamp.toInstant();
        }
        throw new IllegalStateException("a timestamp column read as " + (value == null ? "null" : value.getClass().getName()));
    }
}
