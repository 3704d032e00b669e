package io.deeploy.scheduler;

import io.deeploy.events.payload.Resources;
import io.deeploy.scheduler.service.ClusterSnapshot;
import io.deeploy.scheduler.service.ClusterSnapshot.NodeView;
import io.deeploy.scheduler.service.PlacementPlanner;
import io.deeploy.scheduler.service.PlacementPlanner.Placed;
import io.deeploy.scheduler.service.PlacementPlanner.Plan;
import io.deeploy.scheduler.service.PlacementRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An in-memory model of the committer: it mirrors what {@code PlacementService} does under its advisory lock, without
 * the database. It holds the ledger (each job's state, nodes and recorded spares) and the nodes (capacity, tags,
 * uptime, READY or LOST). Every decision builds a {@link ClusterSnapshot} of the READY nodes with the reservations of
 * the PLACED jobs, asks {@link PlacementPlanner}, and applies the plan as it is, so that any flaw of the planner shows
 * in the ledger. After every change the WAITING jobs are tried again, oldest first, as the sweep does.
 *
 * <p>A lost node's jobs are handed to {@link PlacementPlanner#replace}, one job at a time, each decision seeing the
 * previous one's effect. A job whose lost node cannot be replaced goes back to WAITING and frees its other nodes (the
 * ledger counts PLACED jobs only), to be placed afresh when capacity appears. A node that returns comes back empty.
 */
final class PlacementModel {

    enum NodeState { READY, LOST }

    enum JobState { PLACED, WAITING }

    static final class Node {
        final String id;
        final Resources capacity;
        final Map<String, String> tags;
        final double score;
        NodeState state = NodeState.READY;
        Instant lastPlacedAt;

        Node(String id, Resources capacity, Map<String, String> tags, double score) {
            this.id = id;
            this.capacity = capacity;
            this.tags = Map.copyOf(tags);
            this.score = score;
        }
    }

    static final class Job {
        final PlacementRequest request;
        JobState state = JobState.WAITING;
        List<String> nodes = List.of();
        List<String> spares = List.of();
        String reason = "requested";

        Job(PlacementRequest request) {
            this.request = request;
        }
    }

    /**
     * One question to the planner and its answer. {@code lostNode} is null for a fresh placement; for a replacement
     * {@code kept} and {@code recordedSpares} are what was passed to {@link PlacementPlanner#replace}.
     */
    record Decision(ClusterSnapshot snapshot, PlacementRequest request, List<String> kept, String lostNode,
            List<String> recordedSpares, Plan plan) {

        boolean isReplacement() {
            return lostNode != null;
        }
    }

    private final int candidateLimit;
    private final Consumer<Decision> observer;
    /** In the order they were added. */
    final Map<String, Node> nodes = new LinkedHashMap<>();
    /** In the order they were requested: the oldest waiting job is tried first. */
    final Map<String, Job> jobs = new LinkedHashMap<>();
    private long clock;

    PlacementModel(int candidateLimit, Consumer<Decision> observer) {
        this.candidateLimit = candidateLimit;
        this.observer = observer;
    }

    void addNode(String id, Resources capacity, Map<String, String> tags, double score) {
        if (nodes.putIfAbsent(id, new Node(id, capacity, tags, score)) != null) {
            throw new IllegalStateException("node " + id + " exists");
        }
        retryWaiting();
    }

    void request(PlacementRequest request) {
        Job job = new Job(request);
        if (jobs.putIfAbsent(request.jobId(), job) != null) {
            throw new IllegalStateException("job " + request.jobId() + " exists");
        }
        tryPlace(job);
    }

    /** The job stops; what it held is free for the waiting ones. */
    void stop(String jobId) {
        jobs.remove(jobId);
        retryWaiting();
    }

    void lose(String nodeId) {
        Node node = nodes.get(nodeId);
        node.state = NodeState.LOST;
        for (Job job : jobs.values()) {
            if (job.state != JobState.PLACED || !job.nodes.contains(nodeId)) {
                continue;
            }
            List<String> kept = new ArrayList<>(job.nodes);
            kept.remove(nodeId);
            ClusterSnapshot snapshot = snapshot();
            Plan plan = PlacementPlanner.replace(snapshot, job.request, kept, nodeId, job.spares, candidateLimit);
            observer.accept(new Decision(snapshot, job.request, List.copyOf(kept), nodeId, job.spares, plan));
            apply(job, plan);
        }
        retryWaiting();
    }

    /** A lost node heartbeats again, empty. */
    void recover(String nodeId) {
        nodes.get(nodeId).state = NodeState.READY;
        retryWaiting();
    }

    /** What the periodic sweep does. */
    void retryWaiting() {
        for (Job job : jobs.values()) {
            if (job.state == JobState.WAITING) {
                tryPlace(job);
            }
        }
    }

    private void tryPlace(Job job) {
        ClusterSnapshot snapshot = snapshot();
        Plan plan = PlacementPlanner.plan(snapshot, job.request, candidateLimit);
        observer.accept(new Decision(snapshot, job.request, List.of(), null, List.of(), plan));
        apply(job, plan);
    }

    private void apply(Job job, Plan plan) {
        if (plan instanceof Placed placed) {
            Instant now = Instant.EPOCH.plusSeconds(++clock);
            for (String id : placed.nodeIds()) {
                if (!job.nodes.contains(id) || job.state != JobState.PLACED) {
                    nodes.get(id).lastPlacedAt = now;
                }
            }
            job.state = JobState.PLACED;
            job.nodes = placed.nodeIds();
            job.spares = placed.spareNodeIds();
            job.reason = placed.reason();
        } else {
            job.state = JobState.WAITING;
            job.nodes = List.of();
            job.spares = List.of();
            job.reason = ((PlacementPlanner.Waiting) plan).reason();
        }
    }

    /** What PlacementService.snapshot() reads: READY nodes, with the reservations of every PLACED job. */
    ClusterSnapshot snapshot() {
        Map<String, Resources> reserved = reservations();
        List<NodeView> ready = new ArrayList<>();
        for (Node node : nodes.values()) {
            if (node.state == NodeState.READY) {
                ready.add(new NodeView(node.id, node.capacity, reserved.getOrDefault(node.id, Resources.NONE), node.tags, node.score,
                        node.lastPlacedAt));
            }
        }
        return new ClusterSnapshot(ready);
    }

    /** The ledger: per node, the sum of what the PLACED jobs reserve on it. */
    Map<String, Resources> reservations() {
        Map<String, Resources> reserved = new HashMap<>();
        for (Job job : jobs.values()) {
            if (job.state == JobState.PLACED) {
                for (String id : job.nodes) {
                    reserved.merge(id, job.request.perNode(), Resources::plus);
                }
            }
        }
        return reserved;
    }
}
