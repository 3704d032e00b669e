package io.deeploy.scheduler.service;

import io.deeploy.events.EventCodec;
import io.deeploy.node.api.AllocationHealth;
import io.deeploy.node.api.Heartbeat;
import io.deeploy.scheduler.repository.Node;
import io.deeploy.scheduler.repository.NodeRepository;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import io.deeploy.scheduler.config.OracleConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Keeps the node table in step with heartbeats, which reach it through the node gateway from authenticated nodes; a
 * stale or replayed heartbeat changes nothing. The node's address is its registered one, and the time of a heartbeat is
 * when the gateway received it: neither is the node's to say.
 */
@ApplicationScoped
public class NodeRegistry {

    private static final Logger LOG = Logger.getLogger(NodeRegistry.class);

    private final NodeRepository nodes;

    private final UptimeOracle oracle;

    private final Duration heartbeatInterval;

    public NodeRegistry(NodeRepository nodes, UptimeOracle oracle, OracleConfig oracleConfig) {
        this.nodes = nodes;
        this.oracle = oracle;
        this.heartbeatInterval = oracleConfig.heartbeatInterval();
    }

    /** Weight of the newest heartbeat gap in the uptime score: about the last 20 heartbeats count. */
    static final double SCORE_WEIGHT = 0.05;

    /**
     * The node's uptime score after a heartbeat that came {@code gap} after the previous one: an exponential average
     * of on-time samples, where a gap of up to twice the interval counts as fully up (jitter, a lost heartbeat) and a
     * longer gap counts as the share of it the node was heard, so an outage drags the score down in proportion.
     */
    public static double nextScore(double score, Duration gap, Duration interval) {
        double sample = gap.compareTo(interval.multipliedBy(2)) <= 0 ? 1.0
                : Math.min(1.0, (double) interval.toMillis() / Math.max(1, gap.toMillis()));
        return Math.round(((1 - SCORE_WEIGHT) * score + SCORE_WEIGHT * sample) * 1e6) / 1e6;
    }

    /**
     * Whether a heartbeat is newer than what the registry holds: a higher sequence of the same agent run, or a later
     * heartbeat of a new run (the agent restarted, its sequence starts again).
     */
    public static boolean isNewer(Node current, Heartbeat heartbeat, Instant receivedAt) {
        if (current == null) {
            return true;
        }
        if (current.bootId.equals(heartbeat.bootId())) {
            return heartbeat.sequence() > current.sequence;
        }
        return receivedAt.isAfter(current.lastHeartbeatAt);
    }

    /** @return true if the heartbeat was applied */
    @WithTransaction
    public Uni<Boolean> record(String nodeId, String address, Heartbeat heartbeat, Instant receivedAt) {
        return nodes.findForUpdate(nodeId).chain(current -> {
            if (!isNewer(current, heartbeat, receivedAt)) {
                return Uni.createFrom().item(false);
            }
            Node node = current == null ? new Node() : current;
            if (current == null) {
                node.id = nodeId;
                node.registeredAt = receivedAt;
                LOG.infof("node %s reports for the first time (apps at %s)", nodeId, address);
            } else if (current.state == Node.State.LOST) {
                LOG.infof("node %s is back", nodeId);
            }
            if (current != null) {
                node.uptimeScore = nextScore(current.uptimeScore, Duration.between(current.lastHeartbeatAt, receivedAt),
                        heartbeatInterval);
            }
            List<String> serving = heartbeat.allocations().stream()
                    .filter(allocation -> allocation.health() == AllocationHealth.Health.SERVING)
                    .map(AllocationHealth::jobId).distinct().toList();
            node.bootId = heartbeat.bootId();
            node.sequence = heartbeat.sequence();
            node.address = address;
            node.capacityCpu = heartbeat.capacity().cpuMillis();
            node.capacityMemory = heartbeat.capacity().memoryMb();
            node.capacityGpu = heartbeat.capacity().gpus();
            node.freeCpu = heartbeat.free().cpuMillis();
            node.freeMemory = heartbeat.free().memoryMb();
            node.freeGpu = heartbeat.free().gpus();
            node.tags = EventCodec.toJson(heartbeat.tags());
            node.runningJobs = String.join(",", serving);
            node.agentVersion = heartbeat.agentVersion();
            node.state = Node.State.READY;
            node.lastHeartbeatAt = receivedAt;
            return (current == null ? nodes.persist(node) : Uni.createFrom().item(node))
                    .chain(() -> oracle.observe(nodeId, serving, receivedAt)).replaceWith(true);
        });
    }
}
