package io.deeploy.scheduler.service;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.Resources;
import io.deeploy.outbox.Outbox;
import io.deeploy.scheduler.repository.NodeRepository;
import io.deeploy.scheduler.repository.Placement;
import io.deeploy.scheduler.repository.PlacementRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The one committer of placements. Every decision runs in a transaction that first takes a PostgreSQL advisory lock,
 * so decisions are serialised across threads and scheduler instances and each sees the reservations of the previous
 * one: two placements can never oversubscribe a node.
 */
@ApplicationScoped
public class PlacementService {

    private static final Logger LOG = Logger.getLogger(PlacementService.class);
    /** Arbitrary constant naming the placement lock. */
    static final long PLACEMENT_LOCK = 0x706c_6163_656d_656eL;

    private final NodeRepository nodes;
    private final PlacementRepository placements;
    private final Outbox outbox;

    public PlacementService(NodeRepository nodes, PlacementRepository placements, Outbox outbox) {
        this.nodes = nodes;
        this.placements = placements;
        this.outbox = outbox;
    }

    /** Places a newly requested job. Must run in a transaction (the idempotent consumer's). */
    public Uni<Void> request(String jobId, JobSpec spec, Instant at) {
        return lock().chain(() -> placements.findById(jobId)).chain(existing -> {
            if (existing != null) {
                return Uni.createFrom().voidItem();
            }
            Placement placement = new Placement();
            placement.jobId = jobId;
            placement.spec = EventCodec.toJson(spec);
            placement.cpu = spec.resources().cpuMillis();
            placement.memory = spec.resources().memoryMb();
            placement.gpu = spec.resources().gpus();
            placement.nodeCount = spec.targetNodeCount();
            placement.state = Placement.State.WAITING;
            placement.reason = "requested";
            placement.updatedAt = at;
            return placements.persist(placement).chain(() -> tryPlace(placement, spec, at));
        });
    }

    /** Releases a stopped job's reservations; a job that never got a node is reported stopped right away. */
    public Uni<Void> release(String jobId, String reason, Instant at) {
        return lock().chain(() -> placements.findById(jobId)).chain(placement -> {
            if (placement == null || placement.state == Placement.State.RELEASED) {
                return placement == null
                        ? outbox.enqueue(Event.of(new JobStopped(jobId, null, "never placed: " + reason), at))
                        : Uni.createFrom().voidItem();
            }
            boolean wasPlaced = placement.state == Placement.State.PLACED;
            placement.state = Placement.State.RELEASED;
            placement.reason = reason;
            placement.updatedAt = at;
            // Placed jobs are confirmed stopped by their agents; a waiting one has no agent to do it.
            return wasPlaced ? Uni.createFrom().voidItem()
                    : outbox.enqueue(Event.of(new JobStopped(jobId, null, "stopped while waiting for a node"), at));
        });
    }

    /** Tries every waiting job again, oldest first; called when capacity may have appeared. */
    public Uni<Integer> retryWaiting() {
        return Panache.withTransaction(() -> lock().chain(() -> placements.listInState(Placement.State.WAITING))
                .chain(waiting -> {
                    Uni<Integer> chain = Uni.createFrom().item(0);
                    for (Placement placement : waiting) {
                        chain = chain.chain(placed -> tryPlace(placement, EventCodec.fromJson(placement.spec, JobSpec.class), Instant.now())
                                .map(ignored -> placement.state == Placement.State.PLACED ? placed + 1 : placed));
                    }
                    return chain;
                }));
    }

    private Uni<Void> tryPlace(Placement placement, JobSpec spec, Instant at) {
        return snapshot().chain(cluster -> {
            PlacementPlanner.Plan plan = PlacementPlanner.plan(cluster, spec);
            if (plan instanceof PlacementPlanner.Waiting waiting) {
                if (!waiting.reason().equals(placement.reason)) {
                    LOG.infof("job %s waits: %s", placement.jobId, waiting.reason());
                }
                placement.reason = waiting.reason();
                return Uni.createFrom().voidItem();
            }
            PlacementPlanner.Placed placed = (PlacementPlanner.Placed) plan;
            placement.state = Placement.State.PLACED;
            placement.nodeIds = String.join(",", placed.nodeIds());
            placement.attempt += 1;
            placement.reason = placed.reason();
            placement.updatedAt = at;
            LOG.infof("job %s placed on %s (%s)", placement.jobId, placement.nodeIds, placed.reason());
            return outbox.enqueue(Event.of(new NodeSelected(placement.jobId, placed.nodeIds(), List.of(), placement.attempt,
                    placed.reason(), spec), at));
        });
    }

    /** READY nodes with the resources the ledger holds on each; read inside the locked transaction. */
    Uni<ClusterSnapshot> snapshot() {
        return nodes.listReady().chain(ready -> placements.listInState(Placement.State.PLACED).map(placed -> {
            Map<String, Resources> reserved = new HashMap<>();
            for (Placement p : placed) {
                for (String nodeId : p.nodes()) {
                    reserved.merge(nodeId, p.perNode(), Resources::plus);
                }
            }
            return new ClusterSnapshot(ready.stream().map(node -> new ClusterSnapshot.NodeView(node.id, node.capacity(),
                    reserved.getOrDefault(node.id, Resources.NONE), EventCodec.stringMapFromJson(node.tags))).toList());
        }));
    }

    private static Uni<Void> lock() {
        return Panache.getSession().chain(session -> session.createNativeQuery("SELECT pg_advisory_xact_lock(" + PLACEMENT_LOCK + ")")
                .getSingleResult()).replaceWithVoid();
    }

}
