package io.deeploy.scheduler.service;

import io.deeploy.events.TagExpression;
import io.deeploy.events.payload.Resources;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable view of the cluster for one placement decision: the READY nodes with their capacity and what the
 * scheduler has already reserved on each. Node ids are unique; the order of the nodes does not change any plan.
 */
public record ClusterSnapshot(List<NodeView> nodes) {

    public ClusterSnapshot {
        nodes = List.copyOf(nodes);
    }

    /**
     * One READY node.
     *
     * @param tags         as the node reports them in its heartbeats, held {@link TagExpression#normalize normalized}
     *                     (keys in upper case), so that matching a tag is a lookup
     * @param score        the node's observed uptime, 0 (never up) to 1 (always up); weighs the choice among nodes
     *                     that fit
     * @param lastPlacedAt when the scheduler last placed a job on the node, null if never; among equally good nodes
     *                     the one placed on longest ago is chosen
     */
    public record NodeView(String id, Resources capacity, Resources reserved, Map<String, String> tags, double score,
            Instant lastPlacedAt) {

        public NodeView {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(capacity, "capacity");
            Objects.requireNonNull(reserved, "reserved");
            tags = tags == null ? Map.of() : TagExpression.normalize(tags);
            if (!(score >= 0 && score <= 1)) {
                throw new IllegalArgumentException("node " + id + " has score " + score + ", outside 0..1");
            }
        }

        public Resources available() {
            return capacity.minus(reserved);
        }

        /** Whether {@code need} fits in what is left; the same as {@code need.fitsIn(available())}, without allocating. */
        public boolean fits(Resources need) {
            return need.cpuMillis() <= capacity.cpuMillis() - reserved.cpuMillis()
                    && need.memoryMb() <= capacity.memoryMb() - reserved.memoryMb()
                    && need.gpus() <= capacity.gpus() - reserved.gpus();
        }
    }
}
