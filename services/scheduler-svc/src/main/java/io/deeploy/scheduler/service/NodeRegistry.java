package io.deeploy.scheduler.service;

import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.NodeHeartbeat;
import io.deeploy.scheduler.repository.Node;
import io.deeploy.scheduler.repository.NodeRepository;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.jboss.logging.Logger;

/** Keeps the node table in step with heartbeats; a stale or replayed heartbeat changes nothing. */
@ApplicationScoped
public class NodeRegistry {

    private static final Logger LOG = Logger.getLogger(NodeRegistry.class);

    private final NodeRepository nodes;

    private final UptimeOracle oracle;

    public NodeRegistry(NodeRepository nodes, UptimeOracle oracle) {
        this.nodes = nodes;
        this.oracle = oracle;
    }

    /**
     * Whether a heartbeat is newer than what the registry holds: a higher sequence of the same agent run, or a later
     * heartbeat of a new run (the agent restarted, its sequence starts again).
     */
    public static boolean isNewer(Node current, NodeHeartbeat heartbeat, Instant sentAt) {
        if (current == null) {
            return true;
        }
        if (current.bootId.equals(heartbeat.bootId())) {
            return heartbeat.sequence() > current.sequence;
        }
        return sentAt.isAfter(current.lastHeartbeatAt);
    }

    /** @return true if the heartbeat was applied */
    @WithTransaction
    public Uni<Boolean> record(NodeHeartbeat heartbeat, Instant sentAt) {
        return nodes.findById(heartbeat.nodeId()).chain(current -> {
            if (!isNewer(current, heartbeat, sentAt)) {
                return Uni.createFrom().item(false);
            }
            Node node = current == null ? new Node() : current;
            if (current == null) {
                node.id = heartbeat.nodeId();
                node.registeredAt = sentAt;
                LOG.infof("node %s registered (%s)", heartbeat.nodeId(), heartbeat.address());
            } else if (current.state == Node.State.LOST) {
                LOG.infof("node %s is back", heartbeat.nodeId());
            }
            node.bootId = heartbeat.bootId();
            node.sequence = heartbeat.sequence();
            node.address = heartbeat.address();
            node.capacityCpu = heartbeat.capacity().cpuMillis();
            node.capacityMemory = heartbeat.capacity().memoryMb();
            node.capacityGpu = heartbeat.capacity().gpus();
            node.freeCpu = heartbeat.free().cpuMillis();
            node.freeMemory = heartbeat.free().memoryMb();
            node.freeGpu = heartbeat.free().gpus();
            node.tags = EventCodec.toJson(heartbeat.tags());
            node.runningJobs = String.join(",", heartbeat.runningJobIds());
            node.agentVersion = heartbeat.agentVersion();
            node.state = Node.State.READY;
            node.lastHeartbeatAt = sentAt;
            return (current == null ? nodes.persist(node) : Uni.createFrom().item(node))
                    .chain(() -> oracle.observe(heartbeat, sentAt)).replaceWith(true);
        });
    }
}
