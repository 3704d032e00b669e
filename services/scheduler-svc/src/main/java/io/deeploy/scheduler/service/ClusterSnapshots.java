package io.deeploy.scheduler.service;

import io.deeploy.events.EventCodec;
import io.deeploy.events.TagExpression;
import io.deeploy.events.payload.Resources;
import io.deeploy.scheduler.repository.ClusterRepository;
import io.deeploy.scheduler.repository.ClusterRepository.NodeLoad;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The {@link ClusterSnapshot} each placement decision is made on, without reading every node from the database for each
 * decision: the nodes in service (capacity, tags parsed once, uptime score) are kept between decisions while the
 * database's cluster version stands (one small query per decision; see V6__cluster_version.sql) and re-read when it
 * moves, or when the scores are {@link #SCORES_MAX_AGE_NANOS 30 s} old. The reservations, which decide whether a node
 * is oversubscribed, are never kept: each decision has the database sum them, in its own locked transaction.
 */
@ApplicationScoped
public class ClusterSnapshots {

    /** Uptime scores move with every heartbeat without moving the version; they only weigh the ranking. */
    static final long SCORES_MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private static final Logger LOG = Logger.getLogger(ClusterSnapshots.class);

    private final ClusterRepository cluster;
    private volatile KnownNodes known;

    public ClusterSnapshots(ClusterRepository cluster) {
        this.cluster = cluster;
    }

    /** A node in service as last read, its tags normalized for matching. */
    private record KnownNode(String id, Resources capacity, Map<String, String> tags, double score) {
    }

    private record KnownNodes(long version, long readAtNanos, List<KnownNode> nodes) {
    }

    /** The READY nodes in service with what the PLACED jobs reserve on each. Must run in the locked placement transaction. */
    public Uni<ClusterSnapshot> current() {
        return nodes().chain(nodes -> cluster.reservations().map(loads -> {
            Map<String, NodeLoad> byNode = new HashMap<>(loads.size() * 2);
            loads.forEach(load -> byNode.put(load.nodeId(), load));
            List<ClusterSnapshot.NodeView> views = new ArrayList<>(nodes.size());
            for (KnownNode node : nodes) {
                NodeLoad load = byNode.get(node.id());
                views.add(new ClusterSnapshot.NodeView(node.id(), node.capacity(), load == null ? Resources.NONE : load.reserved(),
                        node.tags(), node.score(), load == null ? null : load.lastPlacedAt()));
            }
            return new ClusterSnapshot(views);
        }));
    }

    private Uni<List<KnownNode>> nodes() {
        return cluster.version().chain(version -> {
            KnownNodes last = known;
            if (last != null && last.version() == version && System.nanoTime() - last.readAtNanos() < SCORES_MAX_AGE_NANOS) {
                return Uni.createFrom().item(last.nodes());
            }
            long readAt = System.nanoTime();
            // Read after the version: a change committed in between is in what is read and moves the version past the one
            // kept, so the next decision reads again; a kept list is never older than its version.
            return cluster.listReady().map(rows -> {
                List<KnownNode> nodes = rows.stream().map(row -> new KnownNode(row.id(), row.capacity(),
                        TagExpression.normalize(EventCodec.stringMapFromJson(row.tags())), row.uptimeScore())).toList();
                known = new KnownNodes(version, readAt, nodes);
                LOG.debugf("read %d nodes in service at cluster version %d in %d ms", (Object) nodes.size(), version,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - readAt));
                return nodes;
            });
        });
    }
}
