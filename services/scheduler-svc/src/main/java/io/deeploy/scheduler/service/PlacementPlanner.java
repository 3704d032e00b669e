package io.deeploy.scheduler.service;

import io.deeploy.events.TagExpression;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.Resources;
import io.deeploy.scheduler.service.ClusterSnapshot.NodeView;
import io.deeploy.scheduler.service.PlacementRequest.Policy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Decides where a job goes from an immutable {@link ClusterSnapshot}; pure, so it is tested without a database, and
 * deterministic: the same snapshot and request give the same plan, whatever the order of the snapshot's nodes.
 *
 * <h2>Explicit targets</h2>
 * A job that names its nodes runs on exactly those: each must be in the snapshot (READY), not excluded, match the
 * job's tags and have room, or the job waits with one reason per failing target. It gets no spares, and a lost
 * target is not replaced: the job waits for it to return.
 *
 * <h2>Counted jobs: visit, sample, rank</h2>
 * <ol>
 * <li>Visit in the job's own random order, and stop once enough are found (Nomad's random iterator and limit): the
 *     snapshot's nodes are visited in a pseudo-random order drawn from the job id (a Fisher-Yates shuffle taken only as
 *     far as it is visited), and each is put through the one chain of {@link Feasibility} checks: not excluded, all the
 *     job's tag expressions matched, its per-node resources left on every dimension (CPU, memory, GPUs). The visit
 *     stops at the first {@code max(candidateLimit, 2 × nodes wanted + spares)} feasible nodes
 *     ({@link #DEFAULT_CANDIDATE_LIMIT} = {@value #DEFAULT_CANDIDATE_LIMIT}). A decision thus costs what it takes to
 *     find that sample, not the size of the cluster: over 10,000 nodes, tens of microseconds when most nodes fit, the
 *     whole cluster only when the job's nodes are rare or missing ({@code bench/scheduler-placement.sh}).</li>
 * <li>The sample is deterministic (the snapshot holds its nodes in id order, so the order they were read in does not
 *     matter), differs from job to job (so jobs do not pile onto the same few nodes), and always holds enough nodes:
 *     a job waits only when the whole cluster was visited and fewer nodes than it needs are feasible, with a reason
 *     that counts what matched and what had room. As with Nomad's limit, the price is that the best node of a large
 *     cluster may be missed.</li>
 * <li>Rank, best first, by {@code 0.5 × fit + 0.5 × uptime score}, rounded to 1e-6 so that near-equal nodes tie, where
 *     {@code free} = the mean of the CPU and memory fractions left free on the node after placing the job, and fit is
 *     {@code free} for SPREAD (the emptiest node) and {@code 1 − free} for BINPACK (the fullest node that still fits);
 *     ties go to the node placed on longest ago (never placed first), then to the smallest id. GPUs are filtered on
 *     but not scored.</li>
 * <li>The first {@code nodeCount} ranked nodes run the job; up to {@code spareCount} next ones are recorded as
 *     spares for failover (recorded, not reserved).</li>
 * </ol>
 *
 * <h2>Failover</h2>
 * {@link #replace} chooses one node for a lost one: the first recorded spare that is still feasible, otherwise the best
 * ranked feasible node; the nodes the job keeps, the lost node and the request's exclusions are never chosen.
 */
public final class PlacementPlanner {

    /** How many feasible nodes at least are ranked per decision; see the class comment. */
    public static final int DEFAULT_CANDIDATE_LIMIT = 64;
    static final double FIT_WEIGHT = 0.5;
    static final double UPTIME_WEIGHT = 0.5;
    /** Ranking scores are compared as multiples of 1e-6, so that floating-point noise does not decide a tie. */
    private static final double SCORE_RESOLUTION = 1_000_000;

    private PlacementPlanner() {
    }

    public sealed interface Plan permits Placed, Waiting {
    }

    /**
     * Run the job on {@code nodeIds}; {@code spareNodeIds} are feasible nodes to try first if one of them is lost.
     */
    public record Placed(List<String> nodeIds, List<String> spareNodeIds, String reason) implements Plan {

        public Placed {
            nodeIds = List.copyOf(nodeIds);
            spareNodeIds = List.copyOf(spareNodeIds);
        }
    }

    /** No feasible placement now; {@code reason} tells the user what is missing. */
    public record Waiting(String reason) implements Plan {
    }

    /**
     * The entry point PlacementService still uses: the job's request as {@link PlacementRequest#from} makes it, without
     * a job id (so every job samples the same nodes of a large cluster; prefer {@link #plan(ClusterSnapshot,
     * PlacementRequest)}). A spec whose tags do not parse waits, with the parse error as its reason.
     */
    public static Plan plan(ClusterSnapshot cluster, JobSpec spec) {
        PlacementRequest request;
        try {
            request = PlacementRequest.from("", spec);
        } catch (IllegalArgumentException e) {
            return new Waiting("the job cannot be placed: " + e.getMessage());
        }
        return plan(cluster, request);
    }

    public static Plan plan(ClusterSnapshot cluster, PlacementRequest request) {
        return plan(cluster, request, DEFAULT_CANDIDATE_LIMIT);
    }

    /** As {@link #plan(ClusterSnapshot, PlacementRequest)}, ranking at least {@code candidateLimit} feasible nodes. */
    public static Plan plan(ClusterSnapshot cluster, PlacementRequest request, int candidateLimit) {
        if (!request.counted()) {
            return planTargets(cluster, request);
        }
        Set<String> excluded = request.excludedNodes();
        Ranking ranking = rank(cluster, request, excluded, request.nodeCount(), candidateLimit);
        int needed = request.nodeCount();
        if (ranking.feasible() < needed) {
            return new Waiting(shortfall(cluster, request, excluded, ranking.feasible(), needed));
        }
        List<String> ranked = ranking.nodeIds();
        List<String> spares = ranked.subList(needed, Math.min(ranked.size(), needed + request.spareCount()));
        return new Placed(ranked.subList(0, needed), spares, policyName(request) + ": best " + needed + " of "
                + ranking.describeCandidates() + " " + filterPhrase(request));
    }

    /**
     * Chooses a node for {@code lostNode}, one of the job's nodes, preferring the first of {@code recordedSpares}
     * that is still feasible. The result lists {@code keptNodes} followed by the new node, and new spares: the
     * recorded ones still feasible, then the best ranked others.
     *
     * @param keptNodes the job's other nodes ({@code nodeCount − 1} of them), still reserved in the snapshot; they
     *                  need not be READY (several nodes of a job lost at once are replaced one call at a time)
     */
    public static Plan replace(ClusterSnapshot cluster, PlacementRequest request, List<String> keptNodes, String lostNode,
            List<String> recordedSpares) {
        return replace(cluster, request, keptNodes, lostNode, recordedSpares, DEFAULT_CANDIDATE_LIMIT);
    }

    public static Plan replace(ClusterSnapshot cluster, PlacementRequest request, List<String> keptNodes, String lostNode,
            List<String> recordedSpares, int candidateLimit) {
        if (keptNodes.contains(lostNode) || new HashSet<>(keptNodes).size() != keptNodes.size()
                || keptNodes.size() != request.nodeCount() - 1) {
            throw new IllegalArgumentException("job " + request.jobId() + " on " + request.nodeCount() + " nodes cannot keep "
                    + keptNodes + " and lose " + lostNode);
        }
        if (!request.counted()) {
            return new Waiting("target node " + lostNode + " is lost; the job runs only on the nodes it names, so it waits"
                    + " for that node to return");
        }
        Set<String> excluded = new HashSet<>(request.excludedNodes());
        excluded.addAll(keptNodes);
        excluded.add(lostNode);
        Ranking ranking = rank(cluster, request, excluded, 1, candidateLimit);
        if (ranking.feasible() == 0) {
            return new Waiting("no node can replace lost node " + lostNode + ": " + shortfall(cluster, request, excluded, 0, 1));
        }
        List<String> stillFeasibleSpares = feasibleAmong(cluster, request, excluded, recordedSpares);
        String chosen;
        String how;
        if (!stillFeasibleSpares.isEmpty()) {
            chosen = stillFeasibleSpares.get(0);
            how = "its spare " + chosen;
        } else {
            chosen = ranking.nodeIds().get(0);
            how = chosen + " (" + policyName(request) + ": best of " + ranking.describeCandidates() + " " + filterPhrase(request) + ")";
        }
        Set<String> spares = new LinkedHashSet<>();
        for (String id : stillFeasibleSpares) {
            if (!id.equals(chosen) && spares.size() < request.spareCount()) {
                spares.add(id);
            }
        }
        for (String id : ranking.nodeIds()) {
            if (!id.equals(chosen) && spares.size() < request.spareCount()) {
                spares.add(id);
            }
        }
        List<String> nodes = new ArrayList<>(keptNodes);
        nodes.add(chosen);
        return new Placed(nodes, List.copyOf(spares), "lost node " + lostNode + " replaced by " + how);
    }

    private static Plan planTargets(ClusterSnapshot cluster, PlacementRequest request) {
        Set<String> targets = Set.copyOf(request.targetNodes());
        Map<String, NodeView> byId = new HashMap<>();
        for (NodeView node : cluster.nodes()) {
            if (targets.contains(node.id())) {
                byId.put(node.id(), node);
            }
        }
        Feasibility feasibility = new Feasibility(request, request.excludedNodes());
        List<String> problems = new ArrayList<>();
        for (String target : request.targetNodes()) {
            NodeView node = byId.get(target);
            Feasibility.Failure failure = request.excludedNodes().contains(target) ? Feasibility.Failure.EXCLUDED
                    : node == null ? null : feasibility.firstFailure(node);
            if (failure == Feasibility.Failure.EXCLUDED) {
                problems.add("target node " + target + " is excluded");
            } else if (node == null) {
                problems.add("target node " + target + " is not ready");
            } else if (failure == Feasibility.Failure.TAGS) {
                problems.add("target node " + target + " does not match " + TagExpression.describe(request.tags()));
            } else if (failure == Feasibility.Failure.RESOURCES) {
                problems.add("target node " + target + " lacks resources (needs " + describe(request.perNode()) + ", has "
                        + describe(node.available()) + " free)");
            }
        }
        if (!problems.isEmpty()) {
            return new Waiting(String.join("; ", problems));
        }
        return new Placed(request.targetNodes(), List.of(), "explicit targets");
    }

    /** The first feasible nodes in the job's visit order, ranked best first; see the class comment. */
    private static Ranking rank(ClusterSnapshot cluster, PlacementRequest request, Set<String> excluded, int wanted,
            int candidateLimit) {
        Feasibility feasibility = new Feasibility(request, excluded);
        int sampleSize = Math.max(Math.max(1, candidateLimit), 2 * wanted + request.spareCount());
        List<NodeView> nodes = cluster.nodes();
        VisitOrder order = new VisitOrder(nodes.size(), seed(request.jobId()));
        List<Ranked> ranked = new ArrayList<>(Math.min(sampleSize, nodes.size()));
        while (ranked.size() < sampleSize && order.hasNext()) {
            int index = order.next();
            if (feasibility.test(cluster, index)) {
                NodeView node = nodes.get(index);
                ranked.add(new Ranked(node, rankScore(node, request.perNode(), request.policy())));
            }
        }
        ranked.sort(RANK_ORDER);
        return new Ranking(ranked.stream().map(r -> r.node().id()).toList(), order.visited(), nodes.size());
    }

    /**
     * A pseudo-random permutation of the indexes {@code 0..size-1}, drawn from a seed: a Fisher-Yates shuffle done one
     * step per index taken, so a visit that stops early pays for what it visited (and one pass to number the indexes).
     */
    private static final class VisitOrder {

        private final int[] indexes;
        private final SplittableRandom random;
        private int visited;

        VisitOrder(int size, long seed) {
            indexes = new int[size];
            for (int i = 0; i < size; i++) {
                indexes[i] = i;
            }
            random = new SplittableRandom(seed);
        }

        boolean hasNext() {
            return visited < indexes.length;
        }

        int next() {
            int pick = visited + random.nextInt(indexes.length - visited);
            int index = indexes[pick];
            indexes[pick] = indexes[visited];
            indexes[visited++] = index;
            return index;
        }

        int visited() {
            return visited;
        }
    }

    /** The ids among {@code ids} of nodes that are in the snapshot and feasible for the request, in the given order. */
    private static List<String> feasibleAmong(ClusterSnapshot cluster, PlacementRequest request, Set<String> excluded,
            List<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        Feasibility feasibility = new Feasibility(request, excluded);
        Set<String> wanted = Set.copyOf(ids);
        Map<String, NodeView> byId = new HashMap<>();
        for (NodeView node : cluster.nodes()) {
            if (wanted.contains(node.id())) {
                byId.put(node.id(), node);
            }
        }
        List<String> feasible = new ArrayList<>();
        for (String id : new LinkedHashSet<>(ids)) {
            NodeView node = byId.get(id);
            if (node != null && feasibility.test(node)) {
                feasible.add(id);
            }
        }
        return feasible;
    }

    /**
     * Why fewer than {@code needed} nodes are feasible, counted in a second pass that only a waiting job pays for:
     * "2 of 3 nodes match CT:FR||CT:IT with 1000m CPU, 512 MiB free (40 ready nodes, 4 match the tags)".
     */
    private static String shortfall(ClusterSnapshot cluster, PlacementRequest request, Set<String> excluded, int found,
            int needed) {
        Resources need = request.perNode();
        Feasibility feasibility = new Feasibility(request, excluded);
        int excludedCount = 0;
        int tagged = 0;
        int largeEnough = 0;
        for (NodeView node : cluster.nodes()) {
            if (feasibility.isExcluded(node)) {
                excludedCount++;
            } else if (feasibility.matchesTags(node)) {
                tagged++;
                if (feasibility.couldEverHold(node)) {
                    largeEnough++;
                }
            }
        }
        StringBuilder reason = new StringBuilder().append(found).append(" of ").append(needed).append(" nodes ")
                .append(request.tags().isEmpty() ? "have " + describe(need) + " free"
                        : "match " + TagExpression.describe(request.tags()) + " with " + describe(need) + " free");
        reason.append(" (").append(cluster.nodes().size()).append(" ready nodes");
        if (excludedCount > 0) {
            reason.append(", ").append(excludedCount).append(" excluded");
        }
        if (!request.tags().isEmpty()) {
            reason.append(", ").append(tagged).append(" match the tags");
        }
        // Worth saying only when some candidates are too small to ever hold the job: then waiting may never end.
        if (largeEnough < needed && largeEnough < tagged) {
            reason.append("; ").append(largeEnough == 0 ? "none" : "only " + largeEnough)
                    .append(request.tags().isEmpty() ? "" : " of those").append(" could hold it even when empty");
        }
        return reason.append(')').toString();
    }

    /**
     * The ranking score as an integer number of millionths: {@code FIT_WEIGHT × fit + UPTIME_WEIGHT × score}, where fit
     * is the share of CPU and memory left free after placing (SPREAD) or its complement (BINPACK).
     */
    static long rankScore(NodeView node, Resources need, Policy policy) {
        double free = (fraction(node.capacity().cpuMillis() - node.reserved().cpuMillis() - need.cpuMillis(), node.capacity().cpuMillis())
                + fraction(node.capacity().memoryMb() - node.reserved().memoryMb() - need.memoryMb(), node.capacity().memoryMb())) / 2;
        double fit = policy == Policy.SPREAD ? free : 1 - free;
        return Math.round((FIT_WEIGHT * fit + UPTIME_WEIGHT * node.score()) * SCORE_RESOLUTION);
    }

    private static double fraction(long left, long capacity) {
        return capacity <= 0 ? 0 : Math.min(1, Math.max(0, (double) left / capacity));
    }

    /** A 64-bit FNV-1a hash of the job id, mixed: the seed of the job's visit order. */
    static long seed(String jobId) {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < jobId.length(); i++) {
            hash ^= jobId.charAt(i);
            hash *= 0x100000001b3L;
        }
        return mix(hash);
    }

    /** The SplitMix64 finaliser: spreads every input bit over the whole word. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    static String describe(Resources r) {
        return r.cpuMillis() + "m CPU, " + r.memoryMb() + " MiB" + (r.gpus() > 0 ? ", " + r.gpus() + " GPU" : "");
    }

    private static String policyName(PlacementRequest request) {
        return request.policy().name().toLowerCase(Locale.ROOT);
    }

    private static String filterPhrase(PlacementRequest request) {
        return (request.tags().isEmpty() ? "" : "matching " + TagExpression.describe(request.tags()) + " ")
                + "with " + describe(request.perNode()) + " free";
    }

    private record Ranked(NodeView node, long score) {
    }

    /** Best first: highest score, then placed on longest ago (never placed first), then smallest id. */
    private static final Comparator<Ranked> RANK_ORDER = Comparator.comparingLong(Ranked::score).reversed()
            .thenComparing(ranked -> ranked.node().lastPlacedAt(), Comparator.nullsFirst(Comparator.<Instant>naturalOrder()))
            .thenComparing(ranked -> ranked.node().id());

    /** The ranked candidate ids (every feasible node visited) and how many of the snapshot's nodes were visited. */
    private record Ranking(List<String> nodeIds, int visited, int total) {

        int feasible() {
            return nodeIds.size();
        }

        String describeCandidates() {
            return visited < total ? nodeIds.size() + " sampled (visited " + visited + " of " + total + " nodes)"
                    : nodeIds.size() + " nodes";
        }
    }
}
