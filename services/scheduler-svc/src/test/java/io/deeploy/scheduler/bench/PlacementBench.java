package io.deeploy.scheduler.bench;

import io.deeploy.events.payload.Resources;
import io.deeploy.scheduler.service.ClusterSnapshot;
import io.deeploy.scheduler.service.ClusterSnapshot.NodeView;
import io.deeploy.scheduler.service.PlacementPlanner;
import io.deeploy.scheduler.service.PlacementPlanner.Placed;
import io.deeploy.scheduler.service.PlacementPlanner.Plan;
import io.deeploy.scheduler.service.PlacementRequest;
import io.deeploy.scheduler.service.PlacementRequest.Policy;
import io.deeploy.events.TagExpression;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long one placement decision takes on a large cluster: a benchmark, not a test (nothing is asserted). Builds an
 * in-memory snapshot of 10,000 READY nodes (varied capacity and load, 20 countries over 6 regions, ~50 data centres,
 * some KYB), then for each scenario times {@link PlacementPlanner#plan} call by call with {@link System#nanoTime()}
 * (the visit in the job's random order until the sample is found, ranking, the reason), after a warm-up, and prints
 * decisions per second, p50 / p99 / max and the mean number of nodes a decision visited. Beside it, in the same run and
 * on the same requests, the reference: one pass of the feasibility checks over every node, which is what a planner
 * that filters the whole cluster before ranking (as this one did before) pays at least. The snapshot is not changed
 * between decisions: this measures the planner, not the database.
 *
 * <p>Run from the repository root: {@code bench/scheduler-placement.sh [nodes] [decisions per scenario]}.
 */
public final class PlacementBench {

    private static final String[][] COUNTRIES = {{"FR", "EU"}, {"IT", "EU"}, {"DE", "EU"}, {"ES", "EU"}, {"NL", "EU"}, {"PL", "EU"},
            {"RO", "EU"}, {"SE", "EU"}, {"FI", "EU"}, {"GB", "UK"}, {"US", "NA"}, {"CA", "NA"}, {"MX", "NA"}, {"BR", "SA"},
            {"JP", "APAC"}, {"KR", "APAC"}, {"SG", "APAC"}, {"IN", "APAC"}, {"AU", "APAC"}, {"ZA", "AF"}};
    private static final String[] PROVIDERS = {"ovh", "hetzner", "aws", "gcp", "scaleway", "equinix"};

    private record Scenario(String name, Policy policy, List<String> tags, boolean needsGpus) {
    }

    private PlacementBench() {
    }

    public static void main(String[] args) {
        int nodeCount = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int decisions = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        ClusterSnapshot cluster = cluster(new Random(42), nodeCount);
        List<Scenario> scenarios = List.of(
                new Scenario("spread, no tags", Policy.SPREAD, List.of(), false),
                new Scenario("binpack, no tags", Policy.BINPACK, List.of(), false),
                new Scenario("spread, CT:FR||CT:IT||CT:DE + IS_KYB", Policy.SPREAD, List.of("CT:FR||CT:IT||CT:DE", "IS_KYB"), false),
                new Scenario("binpack, CT:FR||CT:IT||CT:DE + IS_KYB", Policy.BINPACK, List.of("CT:FR||CT:IT||CT:DE", "IS_KYB"), false),
                new Scenario("spread, REG:EU + DC:ovh-* + !CT:FR", Policy.SPREAD, List.of("REG:EU", "DC:ovh-*", "!CT:FR"), false),
                new Scenario("spread, 8 GPUs in CT:JP (mostly waits)", Policy.SPREAD, List.of("CT:JP"), true));

        System.out.printf(Locale.ROOT, "PlacementBench: %d READY nodes, %d decisions per scenario after %d of warm-up, candidate limit %d,"
                + " Java %s, %d CPUs%n", nodeCount, decisions, decisions / 2, PlacementPlanner.DEFAULT_CANDIDATE_LIMIT,
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        long blackhole = 0;
        for (Scenario scenario : scenarios) {
            blackhole += run(cluster, requests(new Random(7), scenario, decisions / 2, "warm-"), null, null);
        }
        for (Scenario scenario : scenarios) {
            blackhole += filterEveryNode(cluster, requests(new Random(7), scenario, decisions / 2, "warm-"), null);
        }
        System.out.printf(Locale.ROOT, "%n| %-40s | %9s | %7s | %9s | %8s | %8s | %8s | %8s | %14s | %14s |%n", "scenario",
                "decisions", "placed", "plans/s", "p50 µs", "p99 µs", "max µs", "visited", "reference /s", "ref. p50 µs");
        System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%n", "-".repeat(42), "-".repeat(11), "-".repeat(9),
                "-".repeat(11), "-".repeat(10), "-".repeat(10), "-".repeat(10), "-".repeat(10), "-".repeat(16), "-".repeat(16));
        for (Scenario scenario : scenarios) {
            long[] nanos = new long[decisions];
            List<PlacementRequest> requests = requests(new Random(11), scenario, decisions, "job-");
            long start = System.nanoTime();
            List<Plan> plans = new ArrayList<>(decisions);
            int placed = run(cluster, requests, nanos, plans);
            long elapsed = System.nanoTime() - start;
            blackhole += placed;
            Arrays.sort(nanos);
            long[] referenceNanos = new long[decisions];
            long referenceStart = System.nanoTime();
            blackhole += filterEveryNode(cluster, requests, referenceNanos);
            long referenceElapsed = System.nanoTime() - referenceStart;
            Arrays.sort(referenceNanos);
            System.out.printf(Locale.ROOT, "| %-40s | %9d | %6.1f%% | %9.0f | %8.1f | %8.1f | %8.1f | %8.0f | %14.0f | %14.1f |%n",
                    scenario.name(), decisions, 100.0 * placed / decisions, decisions / (elapsed / 1e9), nanos[decisions / 2] / 1e3,
                    nanos[(int) Math.ceil(decisions * 0.99) - 1] / 1e3, nanos[decisions - 1] / 1e3, meanVisited(plans, cluster),
                    decisions / (referenceElapsed / 1e9), referenceNanos[decisions / 2] / 1e3);
        }
        System.out.println();
        System.out.println("(checksum " + blackhole + ")");
    }

    /** Plans every request, recording each decision's duration in {@code nanos} if given; returns how many were placed. */
    private static int run(ClusterSnapshot cluster, List<PlacementRequest> requests, long[] nanos, List<Plan> plans) {
        int placed = 0;
        for (int i = 0; i < requests.size(); i++) {
            long start = System.nanoTime();
            Plan plan = PlacementPlanner.plan(cluster, requests.get(i));
            long took = System.nanoTime() - start;
            if (nanos != null) {
                nanos[i] = took;
                plans.add(plan);
            }
            if (plan instanceof Placed) {
                placed++;
            }
        }
        return placed;
    }

    /**
     * The reference: the feasibility checks (resources, tags) over every node for each request, counting the feasible
     * ones, timed request by request into {@code nanos} if given; returns the total count so the work is not elided.
     */
    private static long filterEveryNode(ClusterSnapshot cluster, List<PlacementRequest> requests, long[] nanos) {
        long feasible = 0;
        for (int i = 0; i < requests.size(); i++) {
            PlacementRequest request = requests.get(i);
            long start = System.nanoTime();
            for (NodeView node : cluster.nodes()) {
                if (node.fits(request.perNode()) && TagExpression.matchesAllNormalized(request.tags(), node.tags())) {
                    feasible++;
                }
            }
            if (nanos != null) {
                nanos[i] = System.nanoTime() - start;
            }
        }
        return feasible;
    }

    private static final Pattern VISITED = Pattern.compile("visited (\\d+) of");

    /** How many nodes a decision visited, on average: as its reason says, or all of them when it does not say. */
    private static double meanVisited(List<Plan> plans, ClusterSnapshot cluster) {
        long visited = 0;
        for (Plan plan : plans) {
            Matcher matcher = VISITED.matcher(plan instanceof Placed placed ? placed.reason() : "");
            visited += matcher.find() ? Long.parseLong(matcher.group(1)) : cluster.nodes().size();
        }
        return (double) visited / plans.size();
    }

    private static List<PlacementRequest> requests(Random random, Scenario scenario, int count, String prefix) {
        List<TagExpression> tags = TagExpression.parseAll(scenario.tags());
        long[] cpus = {250, 500, 1000, 2000, 4000};
        long[] memories = {256, 512, 1024, 2048, 4096};
        int[] nodeCounts = {1, 1, 1, 2, 2, 3, 5};
        List<PlacementRequest> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Resources perNode = new Resources(cpus[random.nextInt(cpus.length)], memories[random.nextInt(memories.length)],
                    scenario.needsGpus() ? 8 : 0);
            requests.add(new PlacementRequest(prefix + i, perNode, nodeCounts[random.nextInt(nodeCounts.length)], List.of(), tags,
                    scenario.policy(), PlacementRequest.DEFAULT_SPARE_COUNT, Set.of()));
        }
        return requests;
    }

    /** Nodes of varied size and load, tagged with a country, its region, one of its data centres, and often KYB. */
    static ClusterSnapshot cluster(Random random, int count) {
        Map<String, List<String>> dataCentres = new HashMap<>();
        for (String[] country : COUNTRIES) {
            List<String> dcs = new ArrayList<>();
            for (int d = 1 + random.nextInt(4); d > 0; d--) {
                dcs.add(PROVIDERS[random.nextInt(PROVIDERS.length)] + "-" + country[0].toLowerCase(Locale.ROOT) + d);
            }
            dataCentres.put(country[0], dcs);
        }
        long[] cpus = {2000, 4000, 8000, 16_000, 32_000, 64_000};
        long[] memories = {4096, 8192, 16_384, 32_768, 65_536, 131_072};
        int[] gpus = {1, 2, 4, 8};
        Instant now = Instant.parse("2026-11-23T10:00:00Z");
        List<NodeView> nodes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String[] country = COUNTRIES[random.nextInt(COUNTRIES.length)];
            List<String> dcs = dataCentres.get(country[0]);
            Map<String, String> tags = new HashMap<>();
            tags.put("CT", country[0]);
            tags.put("REG", country[1]);
            tags.put("DC", dcs.get(random.nextInt(dcs.size())));
            int kyb = random.nextInt(10);
            if (kyb < 5) {
                tags.put("IS_KYB", kyb < 3 ? "true" : "false");
            }
            int size = random.nextInt(cpus.length);
            Resources capacity = new Resources(cpus[size], memories[Math.min(memories.length - 1, size + random.nextInt(2))],
                    random.nextInt(20) == 0 ? gpus[random.nextInt(gpus.length)] : 0);
            double load = random.nextDouble() * 0.9;
            Resources reserved = new Resources((long) (capacity.cpuMillis() * load), (long) (capacity.memoryMb() * load * random.nextDouble()),
                    capacity.gpus() == 0 ? 0 : random.nextInt(capacity.gpus() + 1));
            double score = Math.round((0.8 + 0.2 * random.nextDouble()) * 1000) / 1000.0;
            Instant lastPlacedAt = random.nextInt(5) == 0 ? null : now.minusSeconds(random.nextInt(86_400));
            nodes.add(new NodeView(String.format(Locale.ROOT, "node-%05d", i), capacity, reserved, tags, score, lastPlacedAt));
        }
        return new ClusterSnapshot(nodes);
    }
}
