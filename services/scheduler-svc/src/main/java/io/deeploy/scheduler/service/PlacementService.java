package io.deeploy.scheduler.service;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.Resources;
import io.deeploy.outbox.Outbox;
import io.deeploy.scheduler.repository.AllocationRepository;
import io.deeploy.scheduler.repository.NodeIdentityRepository;
import io.deeploy.scheduler.repository.NodeRepository;
import io.deeploy.scheduler.repository.Placement;
import io.deeploy.scheduler.repository.PlacementRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.hibernate.FlushMode;
import org.jboss.logging.Logger;

/**
 * The one committer of placements. Every decision runs in a transaction that first takes a PostgreSQL advisory lock,
 * so decisions are serialised across threads and scheduler instances and each sees the reservations of the previous
 * one: two placements can never oversubscribe a node. Each decision also writes the allocations it implies (run on the
 * chosen nodes, stop on those left) in the same transaction, which is what the nodes' agents pull and make real. A
 * transaction may take many decisions under its one lock ({@link #apply}, and the sweeps): they share one
 * {@link LockedCluster}, which reads the cluster once and adds each decision's reservations to what the next one sees.
 */
@ApplicationScoped
public class PlacementService {

    private static final Logger LOG = Logger.getLogger(PlacementService.class);
    /** Arbitrary constant naming the placement lock. */
    static final long PLACEMENT_LOCK = 0x706c_6163_656d_656eL;

    private final NodeRepository nodes;
    private final NodeIdentityRepository identities;
    private final PlacementRepository placements;
    private final AllocationRepository allocations;
    private final Outbox outbox;
    private final ClusterSnapshots clusterSnapshots;

    public PlacementService(NodeRepository nodes, NodeIdentityRepository identities, PlacementRepository placements,
            AllocationRepository allocations, Outbox outbox, ClusterSnapshots clusterSnapshots) {
        this.clusterSnapshots = clusterSnapshots;
        this.nodes = nodes;
        this.identities = identities;
        this.placements = placements;
        this.allocations = allocations;
        this.outbox = outbox;
    }

    /** Places a newly requested job. Must run in a transaction. */
    public Uni<Void> request(String jobId, JobSpec spec, Instant at) {
        return apply(List.of(new JobCommand.Request(jobId, spec, at)));
    }

    /**
     * Applies job commands in their order, under one placement lock and on one {@link LockedCluster}: the placements they
     * name are read in one query, the cluster once for all of them, and the allocations and announcements of the jobs
     * they place for the first time are written together ({@link DeferredWrites}). Must run in a transaction (the
     * idempotent consumer's).
     */
    public Uni<Void> apply(List<JobCommand> commands) {
        Set<String> jobIds = new HashSet<>();
        commands.forEach(command -> jobIds.add(command.jobId()));
        DeferredWrites deferred = new DeferredWrites();
        return lockCluster().chain(cluster -> placements.listByIds(jobIds).chain(found -> {
            Map<String, Placement> known = new HashMap<>();
            found.forEach(placement -> known.put(placement.jobId, placement));
            // A request places a job anew or finds it placed; anything else may read allocations a request deferred.
            return inOrder(commands, command -> command instanceof JobCommand.Request ? apply(cluster, known, command, deferred)
                    : deferred.write(allocations, outbox).chain(() -> apply(cluster, known, command, deferred)))
                    .chain(() -> deferred.write(allocations, outbox));
        }));
    }

    /** One command; {@code known} holds the placement of every job the commands name that has one, and gains new ones. */
    private Uni<Void> apply(LockedCluster cluster, Map<String, Placement> known, JobCommand command, DeferredWrites deferred) {
        Placement placement = known.get(command.jobId());
        if (command instanceof JobCommand.Request request) {
            return placement != null ? Uni.createFrom().voidItem()
                    : request(cluster, request.jobId(), request.spec(), request.at(), deferred)
                            .invoke(placed -> known.put(placed.jobId, placed)).replaceWithVoid();
        }
        if (command instanceof JobCommand.Respec respec) {
            return respec(cluster, placement, respec.spec(), respec.reason(), respec.at());
        }
        JobCommand.Release release = (JobCommand.Release) command;
        return release(cluster, release.jobId(), placement, release.reason(), release.at());
    }

    /** A job requested for the first time: its placement, placed at once if a node can take it, else waiting. */
    private Uni<Placement> request(LockedCluster cluster, String jobId, JobSpec spec, Instant at, DeferredWrites deferred) {
        Placement placement = new Placement();
        placement.jobId = jobId;
        placement.spec = EventCodec.toJson(spec);
        placement.cpu = spec.resources().cpuMillis();
        placement.memory = spec.resources().memoryMb();
        placement.gpu = spec.resources().gpus();
        placement.nodeCount = spec.nodeCount();
        placement.state = Placement.State.WAITING;
        placement.reason = "requested";
        placement.updatedAt = at;
        return placements.persist(placement).chain(() -> tryPlace(cluster, placement, spec, at, deferred)).replaceWith(placement);
    }

    /**
     * A new revision of a job's spec: every node the job runs on is given it (same placement, so nothing moves; the agents
     * deploy it beside what serves), and a job still waiting is placed with it later. A revision that asks for other nodes
     * (a count, or the nodes it names) rescales the placement ({@link #rescale}). A revision at or below the one held is
     * stale and changes nothing.
     */
    private Uni<Void> respec(LockedCluster cluster, Placement placement, JobSpec spec, String reason, Instant at) {
        if (placement == null || placement.state == Placement.State.RELEASED) {
            return Uni.createFrom().voidItem();
        }
        long held = EventCodec.fromJson(placement.spec, JobSpec.class).revision();
        if (spec.revision() <= held) {
            LOG.debugf("job %s: revision %d is not newer than %d; ignored", placement.jobId, spec.revision(), held);
            return Uni.createFrom().voidItem();
        }
        if (placement.state == Placement.State.PLACED) {
            cluster.forget();
        }
        Resources reservedBefore = placement.perNode();
        placement.spec = EventCodec.toJson(spec);
        placement.nodeCount = spec.nodeCount();
        placement.cpu = spec.resources().cpuMillis();
        placement.memory = spec.resources().memoryMb();
        placement.gpu = spec.resources().gpus();
        if (placement.state != Placement.State.PLACED) {
            return Uni.createFrom().voidItem();
        }
        Uni<Boolean> resized = reservedBefore.equals(placement.perNode()) ? Uni.createFrom().item(false)
                : moveOffFullNodes(cluster, placement, spec, at);
        return resized.chain(placedAnew -> placedAnew || wantedNodes(placement, spec) ? Uni.createFrom().item(placedAnew)
                : rescale(cluster, placement, spec, reason, at))
                .chain(placedAnew -> placedAnew ? Uni.createFrom().voidItem() : giveInPlace(placement, spec, reason, at));
    }

    /**
     * A revision that reserves more on each node: the job leaves the nodes that now lack room for it (each replaced as in
     * a failover, or the job waits if none can take it), and stays on the others. Returns whether it was placed anew.
     */
    private Uni<Boolean> moveOffFullNodes(LockedCluster locked, Placement placement, JobSpec spec, Instant at) {
        return locked.snapshot().chain(cluster -> {
            List<String> full = cluster.nodes().stream()
                    .filter(node -> placement.nodes().contains(node.id()) && !node.fits(Resources.NONE))
                    .map(ClusterSnapshot.NodeView::id).toList();
            if (full.isEmpty()) {
                return Uni.createFrom().item(false);
            }
            Resources need = spec.resources();
            String why = String.join(",", full) + " lacks room for " + need.cpuMillis() + "m CPU, " + need.memoryMb() + " MiB";
            return moveOff(locked, placement, full, why, "resized", at).replaceWith(true);
        });
    }

    /** Gives the spec to every node the job runs on, on the same placement: nothing moves. */
    private Uni<Void> giveInPlace(Placement placement, JobSpec spec, String reason, Instant at) {
        LOG.infof("job %s: revision %d to %s (%s)", placement.jobId, spec.revision(), placement.nodeIds, reason);
        String specJson = EventCodec.toJson(spec);
        return allocations.runningNodes(placement.jobId).chain(running -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (String nodeId : running) {
                chain = chain.chain(() -> allocations.run(placement.jobId, nodeId, placement.attempt, specJson, reason, at));
            }
            return chain;
        });
    }

    /** Whether the placed job's nodes are what its spec asks for: as many as it counts, or exactly those it names. */
    private static boolean wantedNodes(Placement placement, JobSpec spec) {
        List<String> current = placement.nodes();
        return spec.targetNodes().isEmpty() ? current.size() == spec.nodeCount()
                : new HashSet<>(current).equals(new HashSet<>(spec.targetNodes()));
    }

    /**
     * Gives a placed job the nodes its new spec asks for, keeping those it runs on wherever it can, so that what serves
     * goes on serving: fewer nodes drop the newest ones (or those no longer named), more nodes add the best feasible
     * others (or those newly named). Nodes that cannot be found yet are left for {@link #growShort()} to add when
     * capacity appears; what is dropped is stopped at once either way. Returns whether the job was placed anew (its
     * nodes then have the spec). Must run under the placement lock.
     */
    private Uni<Boolean> rescale(LockedCluster locked, Placement placement, JobSpec spec, String reason, Instant at) {
        List<String> current = placement.nodes();
        List<String> kept = spec.targetNodes().isEmpty()
                ? current.subList(0, Math.min(current.size(), spec.targetNodeCount()))
                : current.stream().filter(spec.targetNodes()::contains).toList();
        return locked.snapshot().chain(cluster -> {
            List<String> nodes = new ArrayList<>(kept);
            String how = "scaled to " + placement.nodeCount + " node(s)";
            PlacementPlanner.Plan plan = planMore(cluster, placement.jobId, spec, kept);
            List<String> spares = placement.spareIds.isEmpty() ? List.of() : List.of(placement.spareIds.split(","));
            if (plan instanceof PlacementPlanner.Placed placed) {
                nodes.addAll(placed.nodeIds());
                spares = placed.spareNodeIds();
            } else if (plan instanceof PlacementPlanner.Waiting waiting) {
                how += "; " + (placement.nodeCount - nodes.size()) + " more wait: " + waiting.reason();
            }
            if (nodes.equals(current)) {
                placement.reason = how;
                return Uni.createFrom().item(false);
            }
            if (nodes.isEmpty()) {
                // Only a job whose named nodes all changed gets here: it runs nowhere until one of them can take it.
                return waitWithoutNodes(locked, placement, "rescaled: " + how, at).replaceWith(true);
            }
            return announce(locked, null, placement, spec, nodes, spares.stream().filter(n -> !nodes.contains(n)).toList(),
                    how + " (" + reason + ")", at).replaceWith(true);
        });
    }

    /** The nodes to add to {@code kept} for the spec, or null when there are enough already. */
    private static PlacementPlanner.Plan planMore(ClusterSnapshot cluster, String jobId, JobSpec spec, List<String> kept) {
        PlacementRequest full;
        try {
            full = PlacementRequest.from(jobId, spec);
        } catch (IllegalArgumentException e) {
            return new PlacementPlanner.Waiting("cannot be placed: " + e.getMessage());
        }
        int missing = full.nodeCount() - kept.size();
        if (missing <= 0) {
            return null;
        }
        List<String> named = full.targetNodes().stream().filter(n -> !kept.contains(n)).toList();
        return PlacementPlanner.plan(cluster, new PlacementRequest(jobId, full.perNode(), missing, named, full.tags(),
                full.policy(), full.spareCount(), Set.copyOf(kept)));
    }

    /**
     * Adds the missing nodes of placed jobs that were scaled up when too few nodes were feasible; called when capacity
     * may have appeared. Returns how many jobs grew.
     */
    public Uni<Integer> growShort() {
        AtomicInteger grown = new AtomicInteger();
        return Panache.withTransaction(() -> lockCluster().chain(locked -> placements.listShort().chain(shortOnes -> inOrder(shortOnes,
                placement -> rescale(locked, placement, EventCodec.fromJson(placement.spec, JobSpec.class), "capacity appeared",
                        Instant.now()).invoke(placedAnew -> {
                            if (placedAnew) {
                                grown.incrementAndGet();
                            }
                        })))))
                .map(ignored -> grown.get());
    }

    /**
     * Releases a stopped job's reservations ({@code placement} null if it has none); a job that never got a node is
     * reported stopped right away.
     */
    private Uni<Void> release(LockedCluster cluster, String jobId, Placement placement, String reason, Instant at) {
        if (placement == null || placement.state == Placement.State.RELEASED) {
            return placement == null
                    ? outbox.enqueue(Event.of(new JobStopped(jobId, null, "never placed: " + reason), at))
                    : Uni.createFrom().voidItem();
        }
        boolean wasPlaced = placement.state == Placement.State.PLACED;
        if (wasPlaced) {
            cluster.forget();
        }
        placement.state = Placement.State.RELEASED;
        placement.reason = reason;
        placement.updatedAt = at;
        // Placed jobs are confirmed stopped by their agents; a waiting one has no agent to do it.
        Uni<Void> confirmed = wasPlaced ? Uni.createFrom().voidItem()
                : outbox.enqueue(Event.of(new JobStopped(jobId, null, "stopped while waiting for a node"), at));
        return confirmed.chain(() -> stopAllocations(placement, "stopped: " + reason, at));
    }

    /** Tries every waiting job again, oldest first; called when capacity may have appeared. */
    public Uni<Integer> retryWaiting() {
        AtomicInteger placed = new AtomicInteger();
        return Panache.withTransaction(() -> lockCluster().chain(locked -> placements.listInState(Placement.State.WAITING)
                .chain(waiting -> inOrder(waiting, placement -> tryPlace(locked, placement,
                        EventCodec.fromJson(placement.spec, JobSpec.class), Instant.now(), null).invoke(() -> {
                            if (placement.state == Placement.State.PLACED) {
                                placed.incrementAndGet();
                            }
                        })))))
                .map(ignored -> placed.get());
    }

    /** Places a job that holds nothing, if a node can take it; {@code deferred}, if not null, gathers its writes. */
    private Uni<Void> tryPlace(LockedCluster locked, Placement placement, JobSpec spec, Instant at, DeferredWrites deferred) {
        return locked.snapshot().chain(cluster -> {
            PlacementPlanner.Plan plan;
            try {
                plan = PlacementPlanner.plan(cluster, PlacementRequest.from(placement.jobId, spec));
            } catch (IllegalArgumentException e) {
                // project-svc validates the same grammar; an older or foreign producer may not have.
                plan = new PlacementPlanner.Waiting("cannot be placed: " + e.getMessage());
            }
            if (plan instanceof PlacementPlanner.Waiting waiting) {
                // A job that was placed before waits because it lost its node: the reason keeps saying so.
                String reason = (placement.attempt > 0 ? "lost its node, waiting for a replacement: " : "") + waiting.reason();
                if (!reason.equals(placement.reason)) {
                    LOG.infof("job %s waits: %s", placement.jobId, reason);
                }
                placement.reason = reason;
                return Uni.createFrom().voidItem();
            }
            PlacementPlanner.Placed placed = (PlacementPlanner.Placed) plan;
            return announce(locked, deferred, placement, spec, placed.nodeIds(), placed.spareNodeIds(), placed.reason(), at);
        });
    }

    /**
     * Records the placement, allocates the job to its nodes (and takes it off the nodes it leaves), and announces it
     * (NodeSelected, through the outbox): all in this transaction. The allocations and the announcement of a job placed
     * for the first time go to {@code deferred} when one is given (null: written at once).
     */
    private Uni<Void> announce(LockedCluster cluster, DeferredWrites deferred, Placement placement, JobSpec spec,
            List<String> nodeIds, List<String> spares, String reason, Instant at) {
        if (placement.state == Placement.State.PLACED) {
            cluster.forget();
        } else {
            cluster.placed(nodeIds, placement.perNode(), at);
        }
        boolean first = placement.attempt == 0;
        placement.state = Placement.State.PLACED;
        placement.nodeIds = String.join(",", nodeIds);
        placement.spareIds = String.join(",", spares);
        placement.attempt += 1;
        placement.reason = reason;
        placement.updatedAt = at;
        LOG.infof("job %s placed on %s, spares %s (%s)", placement.jobId, placement.nodeIds, spares, reason);
        String specJson = EventCodec.toJson(spec);
        Event<NodeSelected> selected = Event.of(new NodeSelected(placement.jobId, nodeIds, spares, placement.attempt, reason, spec), at);
        List<AllocationRepository.Run> runs = nodeIds.stream().map(nodeId -> new AllocationRepository.Run(placement.jobId, nodeId,
                placement.attempt, specJson, reason, at)).toList();
        if (first && deferred != null) {
            runs.forEach(deferred::run);
            deferred.announce(selected);
            return Uni.createFrom().voidItem();
        }
        // A job never announced before has no allocations to look up.
        Uni<List<String>> allocatedBefore = first ? Uni.createFrom().item(List.of()) : allocations.runningNodes(placement.jobId);
        return allocatedBefore.chain(before -> {
            Uni<Void> chain = allocations.runAll(runs);
            for (String left : before) {
                if (!nodeIds.contains(left)) {
                    chain = chain.chain(() -> allocations.stop(placement.jobId, left, placement.attempt, "moved: " + reason, at));
                }
            }
            return chain;
        }).chain(() -> outbox.enqueue(selected));
    }

    /** The job runs nowhere until a node can take it: WAITING with {@code reason}, and stopped where it runs. */
    private Uni<Void> waitWithoutNodes(LockedCluster cluster, Placement placement, String reason, Instant at) {
        cluster.forget();
        placement.state = Placement.State.WAITING;
        placement.nodeIds = "";
        placement.reason = reason;
        placement.updatedAt = at;
        return stopAllocations(placement, reason, at);
    }

    /** Takes the job off every node it is allocated to run on. */
    private Uni<Void> stopAllocations(Placement placement, String reason, Instant at) {
        return allocations.runningNodes(placement.jobId).chain(running -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (String nodeId : running) {
                chain = chain.chain(() -> allocations.stop(placement.jobId, nodeId, placement.attempt, reason, at));
            }
            return chain;
        });
    }

    /**
     * Moves every placed job off the nodes that are LOST or that an admin took out of service: each such node is replaced
     * by a recorded spare if it is still feasible, else by a newly chosen node, and NodeSelected goes out again with the
     * reason (the job's history shows it; the node is told to stop the job, which its agent does when it next hears from
     * the gateway). A job for which no node can be found waits, visible as such, and is placed when capacity appears.
     */
    public Uni<Integer> failover() {
        return Panache.withTransaction(() -> lockCluster().chain(locked -> unavailableNodes().chain(unavailable -> {
            if (unavailable.isEmpty()) {
                return Uni.createFrom().item(0);
            }
            return placements.listInState(Placement.State.PLACED).chain(placed -> {
                List<Placement> affected = placed.stream()
                        .filter(placement -> placement.nodes().stream().anyMatch(unavailable::containsKey)).toList();
                return inOrder(affected, placement -> {
                    List<String> gone = placement.nodes().stream().filter(unavailable::containsKey).toList();
                    String why = String.join(",", gone) + " " + gone.stream().map(unavailable::get).distinct()
                            .collect(java.util.stream.Collectors.joining("/"));
                    return moveOff(locked, placement, gone, why, "failover", Instant.now());
                }).replaceWith(affected.size());
            });
        })));
    }

    /**
     * {@code why} names the nodes and what became of them, e.g. "node-a lost" or "node-b suspended"; {@code what} names
     * the move in the announced reason ("failover", "resized").
     */
    private Uni<Void> moveOff(LockedCluster locked, Placement placement, List<String> lostNodes, String why, String what,
            Instant at) {
        JobSpec spec = EventCodec.fromJson(placement.spec, JobSpec.class);
        List<String> kept = new ArrayList<>(placement.nodes());
        kept.removeAll(lostNodes);
        // The job holds nothing while it is placed anew: the cluster is read without it.
        locked.forget();
        placement.state = Placement.State.WAITING;
        return locked.snapshot().chain(cluster -> {
            PlacementRequest request;
            try {
                request = PlacementRequest.from(placement.jobId, spec).asPlacedOn(placement.nodes());
            } catch (IllegalArgumentException e) {
                return waitWithoutNodes(locked, placement, "node " + why + "; cannot be placed: " + e.getMessage(), at);
            }
            List<String> nodes = new ArrayList<>(kept);
            List<String> spares = new ArrayList<>(placement.spareIds.isEmpty() ? List.of() : List.of(placement.spareIds.split(",")));
            spares.removeAll(lostNodes);
            for (String lostNode : lostNodes) {
                PlacementPlanner.Plan plan = PlacementPlanner.replace(cluster, request, nodes, lostNode, spares);
                if (plan instanceof PlacementPlanner.Waiting waiting) {
                    LOG.warnf("job %s: node %s; waiting for a replacement: %s", placement.jobId, why, waiting.reason());
                    return waitWithoutNodes(locked, placement, "node " + why + "; waiting for a replacement: " + waiting.reason(), at);
                }
                List<String> replacement = ((PlacementPlanner.Placed) plan).nodeIds();
                String added = replacement.stream().filter(n -> !nodes.contains(n)).findFirst().orElseThrow();
                nodes.add(added);
                spares.remove(added);
            }
            return announce(locked, null, placement, spec, nodes, spares,
                    what + ": node " + why + ", moved to " + String.join(",", nodes), at);
        });
    }

    /**
     * A stop on a node that cannot confirm it (silent, or blacklisted and so refused at the gateway) is announced by the
     * scheduler (JobStopped, "node X lost"), so the job does not stay STOPPING and its route goes; the node still sees
     * the stop and carries it out if it comes back. Returns how many were announced.
     */
    public Uni<Integer> announceStopsOfUnreachableNodes() {
        return Panache.withTransaction(() -> unavailableNodes().chain(unavailable -> {
            List<String> unreachable = unavailable.entrySet().stream()
                    .filter(e -> e.getValue().equals("lost") || e.getValue().equals("blacklisted")).map(Map.Entry::getKey).toList();
            return allocations.unannouncedStopsOn(unreachable).chain(stops -> {
                Instant now = Instant.now();
                return inOrder(stops, stop -> {
                    String reason = "node " + stop.nodeId() + " " + unavailable.get(stop.nodeId()) + ": nothing runs there that "
                            + "the platform can reach (" + stop.reason() + ")";
                    return allocations.markStopAnnounced(stop.jobId(), stop.nodeId())
                            .chain(() -> outbox.enqueue(Event.of(new JobStopped(stop.jobId(), stop.nodeId(), reason), now)));
                }).replaceWith(stops.size());
            });
        }));
    }

    /** Nodes no job may stay on, and why: silent ("lost") or taken out of service by an admin ("suspended", ...). */
    Uni<Map<String, String>> unavailableNodes() {
        return nodes.listLostIds().chain(lost -> identities.outOfService().map(outOfService -> {
            Map<String, String> why = new HashMap<>();
            lost.forEach(nodeId -> why.put(nodeId, "lost"));
            outOfService.forEach((nodeId, status) -> why.put(nodeId, status.name().toLowerCase(java.util.Locale.ROOT)));
            return why;
        }));
    }

    /**
     * Runs {@code step} on each item, one after the other, in their order. Not a chain of one Uni per item: steps that
     * complete at once (a decision gathered for {@link DeferredWrites}, a job that still waits) would nest one call in
     * the next, and a batch of hundreds overflows the event loop's stack.
     */
    static <T> Uni<Void> inOrder(Collection<T> items, Function<T, Uni<?>> step) {
        return Multi.createFrom().iterable(items).onItem().transformToUniAndConcatenate(item -> step.apply(item).replaceWith(item))
                .collect().last().replaceWithVoid();
    }

    /**
     * Takes the placement lock for the caller's transaction (held until it ends); the decisions taken under it share the
     * cluster this returns.
     */
    Uni<LockedCluster> lockCluster() {
        return Panache.getSession().chain(session -> {
            // Flushed where a read needs the entities (ClusterRepository.reservations) and at commit, not before every
            // native statement: an automatic flush checks every entity the session holds, and a batch holds hundreds.
            session.setFlushMode(FlushMode.COMMIT);
            return session.createNativeQuery("SELECT pg_advisory_xact_lock(" + PLACEMENT_LOCK + ")").getSingleResult();
        }).replaceWith(() -> new LockedCluster(clusterSnapshots));
    }

}
