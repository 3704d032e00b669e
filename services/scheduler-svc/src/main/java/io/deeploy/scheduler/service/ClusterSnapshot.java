package io.deeploy.scheduler.service;

import io.deeploy.events.TagExpression;
import io.deeploy.events.payload.Resources;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable view of the cluster for one placement decision: the READY nodes with their capacity and what the
 * scheduler has already reserved on each. Node ids are unique. The nodes are held in the order of their ids, whatever
 * order they were given in, so that a plan, which visits them in an order drawn from this one, never depends on how
 * they were read.
 */
public final class ClusterSnapshot {

    private static final Comparator<NodeView> BY_ID = Comparator.comparing(NodeView::id);

    private final List<NodeView> nodes;
    /*
     * What is free on each node, by its index in nodes: the resource check a decision makes on every node it visits reads
     * these flat arrays (a few cache lines) rather than three objects per node, in a random order.
     */
    private final long[] freeCpu;
    private final long[] freeMemory;
    private final long[] freeGpus;

    public ClusterSnapshot(List<NodeView> nodes) {
        List<NodeView> sorted = new ArrayList<>(nodes);
        sorted.sort(BY_ID);
        this.nodes = Collections.unmodifiableList(sorted);
        freeCpu = new long[sorted.size()];
        freeMemory = new long[sorted.size()];
        freeGpus = new long[sorted.size()];
        for (int i = 0; i < sorted.size(); i++) {
            Resources available = sorted.get(i).available();
            freeCpu[i] = available.cpuMillis();
            freeMemory[i] = available.memoryMb();
            freeGpus[i] = available.gpus();
        }
    }

    private ClusterSnapshot(List<NodeView> sortedNodes, long[] freeCpu, long[] freeMemory, long[] freeGpus) {
        this.nodes = Collections.unmodifiableList(sortedNodes);
        this.freeCpu = freeCpu;
        this.freeMemory = freeMemory;
        this.freeGpus = freeGpus;
    }

    /**
     * This cluster after a job was placed on {@code nodeIds} reserving {@code perNode} on each at {@code at}: what the next
     * decision of the same transaction sees without asking the database. Ids not among the nodes are ignored (a node named
     * by a job need not be READY). Copies the node list and the free arrays; nothing is sorted again.
     */
    public ClusterSnapshot withReserved(List<String> nodeIds, Resources perNode, Instant at) {
        List<NodeView> changed = new ArrayList<>(nodes);
        long[] cpu = freeCpu.clone();
        long[] memory = freeMemory.clone();
        long[] gpus = freeGpus.clone();
        for (String nodeId : nodeIds) {
            int index = indexOf(nodeId);
            if (index < 0) {
                continue;
            }
            NodeView node = changed.get(index);
            changed.set(index, new NodeView(node.id(), node.capacity(), node.reserved().plus(perNode), node.tags(), node.score(), at));
            cpu[index] -= perNode.cpuMillis();
            memory[index] -= perNode.memoryMb();
            gpus[index] -= perNode.gpus();
        }
        return new ClusterSnapshot(changed, cpu, memory, gpus);
    }

    /** The node's index in {@link #nodes()}, negative if it is not there. */
    private int indexOf(String nodeId) {
        int low = 0;
        int high = nodes.size() - 1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            int order = nodes.get(middle).id().compareTo(nodeId);
            if (order == 0) {
                return middle;
            }
            if (order < 0) {
                low = middle + 1;
            } else {
                high = middle - 1;
            }
        }
        return -1;
    }

    /** The READY nodes, in the order of their ids. */
    public List<NodeView> nodes() {
        return nodes;
    }

    /** Whether {@code need} fits in what is left on the node at {@code index} of {@link #nodes()}. */
    boolean fits(int index, Resources need) {
        return need.cpuMillis() <= freeCpu[index] && need.memoryMb() <= freeMemory[index] && need.gpus() <= freeGpus[index];
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
