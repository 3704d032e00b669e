package io.deeploy.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.Resources;
import io.deeploy.scheduler.service.ClusterSnapshot;
import io.deeploy.scheduler.service.ClusterSnapshot.NodeView;
import io.deeploy.scheduler.service.PlacementPlanner;
import io.deeploy.scheduler.service.PlacementPlanner.Placed;
import io.deeploy.scheduler.service.PlacementPlanner.Plan;
import io.deeploy.scheduler.service.PlacementPlanner.Waiting;
import io.deeploy.scheduler.service.PlacementRequest;
import io.deeploy.scheduler.service.PlacementRequest.Policy;
import io.deeploy.events.TagExpression;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlacementPlannerTest {

    static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    static NodeView node(String id, long cpu, long memory, long reservedCpu, long reservedMemory) {
        return new NodeView(id, new Resources(cpu, memory, 0), new Resources(reservedCpu, reservedMemory, 0), Map.of(), 1.0, null);
    }

    static NodeView tagged(String id, Map<String, String> tags) {
        return new NodeView(id, new Resources(4000, 8192, 0), Resources.NONE, tags, 1.0, null);
    }

    static NodeView scored(String id, double score, Instant lastPlacedAt) {
        return new NodeView(id, new Resources(4000, 8192, 0), Resources.NONE, Map.of(), score, lastPlacedAt);
    }

    static JobSpec spec(long cpu, long memory, List<String> targets, int count) {
        return spec(cpu, memory, targets, count, List.of());
    }

    static JobSpec spec(long cpu, long memory, List<String> targets, int count, List<String> tags) {
        return new JobSpec(JobKind.CAR, "a", "local/debian:bookworm", null, List.of(), Map.of(), List.of(), 80,
                new Resources(cpu, memory, 0), "always", null, targets, count, tags, 30, null, null, null, null);
    }

    static PlacementRequest request(String jobId, long cpu, long memory, int count, Policy policy, String... tags) {
        return new PlacementRequest(jobId, new Resources(cpu, memory, 0), count, List.of(),
                TagExpression.parseAll(List.of(tags)), policy, 1, Set.of());
    }

    static ClusterSnapshot cluster(NodeView... nodes) {
        return new ClusterSnapshot(List.of(nodes));
    }

    static Placed placed(Plan plan) {
        assertThat(plan).isInstanceOf(Placed.class);
        return (Placed) plan;
    }

    static String waiting(Plan plan) {
        assertThat(plan).isInstanceOf(Waiting.class);
        return ((Waiting) plan).reason();
    }

    @Test
    void explicitTargetsArePlacedWhenReadyAndRoomy() {
        ClusterSnapshot cluster = cluster(node("n1", 2000, 4096, 0, 0), node("n2", 2000, 4096, 1800, 0));
        assertThat(PlacementPlanner.plan(cluster, spec(1000, 512, List.of("n1"), 1)))
                .isEqualTo(new Placed(List.of("n1"), List.of(), "explicit targets"));
        assertThat(waiting(PlacementPlanner.plan(cluster, spec(1000, 512, List.of("n2"), 1))))
                .isEqualTo("target node n2 lacks resources (needs 1000m CPU, 512 MiB, has 200m CPU, 4096 MiB free)");
        assertThat(waiting(PlacementPlanner.plan(cluster, spec(1000, 512, List.of("n9"), 1)))).isEqualTo("target node n9 is not ready");
        assertThat(waiting(PlacementPlanner.plan(cluster, spec(1000, 512, List.of("n9", "n1", "n2"), 3))))
                .as("every failing target is named").isEqualTo("target node n9 is not ready; target node n2 lacks resources"
                        + " (needs 1000m CPU, 512 MiB, has 200m CPU, 4096 MiB free)");
    }

    @Test
    void explicitTargetsMustAlsoMatchTheTagsAndNotBeExcluded() {
        ClusterSnapshot cluster = cluster(tagged("fr", Map.of("CT", "FR")), tagged("it", Map.of("CT", "IT")));
        PlacementRequest request = new PlacementRequest("j", new Resources(100, 100, 0), 2, List.of("fr", "it"),
                TagExpression.parseAll(List.of("CT:FR")), Policy.SPREAD, 1, Set.of());
        assertThat(waiting(PlacementPlanner.plan(cluster, request))).isEqualTo("target node it does not match CT:FR");
        assertThat(waiting(PlacementPlanner.plan(cluster, request.excluding(List.of("fr")))))
                .startsWith("target node fr is excluded; target node it does not match");
    }

    @Test
    void spreadChoosesTheNodesLeftEmptiestAndRecordsASpare() {
        ClusterSnapshot cluster = cluster(node("a", 4000, 8192, 3000, 0), node("b", 4000, 8192, 1000, 0),
                node("c", 4000, 8192, 0, 0), node("d", 1000, 256, 0, 0));
        Placed placed = placed(PlacementPlanner.plan(cluster, spec(500, 512, List.of(), 2)));
        assertThat(placed.nodeIds()).containsExactly("c", "b");
        assertThat(placed.spareNodeIds()).containsExactly("a");
        assertThat(placed.reason()).isEqualTo("spread: best 2 of 3 nodes with 500m CPU, 512 MiB free");
    }

    @Test
    void binpackChoosesTheNodesLeftFullest() {
        ClusterSnapshot cluster = cluster(node("a", 4000, 8192, 3000, 0), node("b", 4000, 8192, 1000, 0),
                node("c", 4000, 8192, 0, 0), node("d", 1000, 256, 0, 0));
        Placed placed = placed(PlacementPlanner.plan(cluster, request("j", 500, 512, 2, Policy.BINPACK)));
        assertThat(placed.nodeIds()).containsExactly("a", "b");
        assertThat(placed.spareNodeIds()).containsExactly("c");
        assertThat(placed.reason()).startsWith("binpack: best 2 of 3 nodes");
    }

    @Test
    void memoryCountsAsMuchAsCpu() {
        // a has more CPU left, b more memory; after placing, b's mean free share is the larger
        ClusterSnapshot cluster = cluster(node("a", 4000, 8192, 0, 6144), node("b", 4000, 8192, 2000, 0));
        assertThat(placed(PlacementPlanner.plan(cluster, request("j", 1000, 1024, 1, Policy.SPREAD))).nodeIds()).containsExactly("b");
        assertThat(placed(PlacementPlanner.plan(cluster, request("j", 1000, 1024, 1, Policy.BINPACK))).nodeIds()).containsExactly("a");
    }

    @Test
    void uptimeWeighsAsMuchAsFit() {
        ClusterSnapshot equalButFlaky = cluster(scored("flaky", 0.5, null), scored("steady", 0.99, null));
        assertThat(placed(PlacementPlanner.plan(equalButFlaky, request("j", 1000, 1024, 1, Policy.SPREAD))).nodeIds())
                .containsExactly("steady");
        // much emptier but down a fifth of the time, against one steady node that is mostly full
        ClusterSnapshot cluster = cluster(new NodeView("empty", new Resources(4000, 8192, 0), Resources.NONE, Map.of(), 0.8, null),
                new NodeView("busy", new Resources(4000, 8192, 0), new Resources(2000, 4096, 0), Map.of(), 1.0, null));
        assertThat(placed(PlacementPlanner.plan(cluster, request("j", 500, 512, 1, Policy.SPREAD))).nodeIds()).containsExactly("empty");
        assertThat(placed(PlacementPlanner.plan(cluster, request("j", 500, 512, 1, Policy.BINPACK))).nodeIds()).containsExactly("busy");
    }

    @Test
    void tiesGoToTheNodePlacedOnLongestAgoThenToTheSmallestId() {
        ClusterSnapshot cluster = cluster(scored("n1", 1.0, T0.plusSeconds(10)), scored("n2", 1.0, T0), scored("n3", 1.0, null),
                scored("n0", 1.0, T0.plusSeconds(10)), scored("n4", 1.0, null));
        Placed placed = placed(PlacementPlanner.plan(cluster, request("j", 1000, 1024, 4, Policy.SPREAD)));
        assertThat(placed.nodeIds()).containsExactly("n3", "n4", "n2", "n0");
        assertThat(placed.spareNodeIds()).containsExactly("n1");
    }

    @Test
    void tagsFilterAndAShortfallSaysWhatMatchedAndWhatHadRoom() {
        ClusterSnapshot cluster = cluster(tagged("fr", Map.of("CT", "FR")), tagged("it", Map.of("CT", "IT")),
                new NodeView("it-full", new Resources(4000, 8192, 0), new Resources(3500, 0, 0), Map.of("CT", "IT"), 1.0, null),
                tagged("de", Map.of("CT", "DE")), tagged("none", Map.of()));
        PlacementRequest three = request("j", 1000, 512, 3, Policy.SPREAD, "CT:FR||CT:IT");
        assertThat(waiting(PlacementPlanner.plan(cluster, three)))
                .isEqualTo("2 of 3 nodes match CT:FR||CT:IT with 1000m CPU, 512 MiB free (5 ready nodes, 3 match the tags)");
        Placed two = placed(PlacementPlanner.plan(cluster, request("j", 1000, 512, 2, Policy.SPREAD, "CT:FR||CT:IT")));
        assertThat(two.nodeIds()).containsExactlyInAnyOrder("fr", "it");
        assertThat(two.spareNodeIds()).isEmpty();
        assertThat(two.reason()).isEqualTo("spread: best 2 of 2 nodes matching CT:FR||CT:IT with 1000m CPU, 512 MiB free");
        assertThat(placed(PlacementPlanner.plan(cluster, request("j", 100, 100, 3, Policy.SPREAD, "!CT:FR", "CT:*"))).nodeIds())
                .containsExactlyInAnyOrder("it", "it-full", "de");
    }

    @Test
    void excludedNodesAreNeverChosenAndAreCounted() {
        ClusterSnapshot cluster = cluster(node("a", 4000, 8192, 0, 0), node("b", 4000, 8192, 0, 0), node("c", 1000, 1024, 0, 0));
        PlacementRequest request = request("j", 1000, 1024, 2, Policy.SPREAD).excluding(List.of("a"));
        assertThat(placed(PlacementPlanner.plan(cluster, request)).nodeIds()).containsExactly("b", "c");
        assertThat(waiting(PlacementPlanner.plan(cluster, request.excluding(List.of("b")))))
                .isEqualTo("1 of 2 nodes have 1000m CPU, 1024 MiB free (3 ready nodes, 2 excluded)");
    }

    @Test
    void aJobTooLargeForEveryNodeSaysSo() {
        ClusterSnapshot cluster = cluster(node("a", 2000, 1024, 1500, 512), node("b", 2000, 1024, 0, 900));
        assertThat(waiting(PlacementPlanner.plan(cluster, spec(1000, 256, List.of(), 1))))
                .isEqualTo("0 of 1 nodes have 1000m CPU, 256 MiB free (2 ready nodes)");
        assertThat(waiting(PlacementPlanner.plan(cluster, spec(4000, 256, List.of(), 1))))
                .isEqualTo("0 of 1 nodes have 4000m CPU, 256 MiB free (2 ready nodes; none could hold it even when empty)");
        assertThat(waiting(PlacementPlanner.plan(cluster, request("j", 100, 100, 1, Policy.SPREAD, "GPU"))))
                .isEqualTo("0 of 1 nodes match GPU with 100m CPU, 100 MiB free (2 ready nodes, 0 match the tags)");
        ClusterSnapshot mixed = cluster(node("small", 1000, 1024, 0, 0), node("large", 8000, 8192, 7000, 0));
        assertThat(waiting(PlacementPlanner.plan(mixed, request("j", 2000, 512, 2, Policy.SPREAD))))
                .isEqualTo("0 of 2 nodes have 2000m CPU, 512 MiB free (2 ready nodes; only 1 could hold it even when empty)");
    }

    @Test
    void gpusMustFitToo() {
        ClusterSnapshot cluster = cluster(node("cpu", 8000, 8192, 0, 0),
                new NodeView("gpu", new Resources(4000, 8192, 2), new Resources(0, 0, 1), Map.of(), 1.0, null));
        PlacementRequest oneGpu = new PlacementRequest("j", new Resources(1000, 1024, 1), 1, List.of(), List.of(), Policy.SPREAD, 1, Set.of());
        assertThat(placed(PlacementPlanner.plan(cluster, oneGpu)).nodeIds()).containsExactly("gpu");
        PlacementRequest twoGpus = new PlacementRequest("j", new Resources(1000, 1024, 2), 1, List.of(), List.of(), Policy.SPREAD, 1, Set.of());
        assertThat(waiting(PlacementPlanner.plan(cluster, twoGpus))).startsWith("0 of 1 nodes have 1000m CPU, 1024 MiB, 2 GPU free");
    }

    @Test
    void thePlanDoesNotDependOnTheOrderOfTheNodes() {
        Random random = new Random(7);
        List<NodeView> nodes = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            nodes.add(new NodeView("n" + i, new Resources(4000, 8192, 0), new Resources(random.nextInt(4) * 500, random.nextInt(4) * 1024, 0),
                    Map.of("CT", random.nextBoolean() ? "FR" : "IT"), random.nextInt(3) / 2.0, random.nextBoolean() ? null : T0.plusSeconds(random.nextInt(3))));
        }
        for (Policy policy : Policy.values()) {
            for (int limit : new int[] {3, 64}) {
                PlacementRequest request = request("job-" + limit, 500, 512, 3, policy, "CT:FR");
                Plan plan = PlacementPlanner.plan(new ClusterSnapshot(nodes), request, limit);
                for (int shuffle = 0; shuffle < 20; shuffle++) {
                    List<NodeView> shuffled = new ArrayList<>(nodes);
                    Collections.shuffle(shuffled, random);
                    assertThat(PlacementPlanner.plan(new ClusterSnapshot(shuffled), request, limit)).isEqualTo(plan);
                }
            }
        }
    }

    @Test
    void aLargeClusterIsSampledPerJobAndSamplingNeverMakesAJobWait() {
        List<NodeView> nodes = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            // all equal, so without sampling every job would take n00000..n00002
            nodes.add(new NodeView(String.format("n%05d", i), new Resources(4000, 8192, 0), Resources.NONE,
                    Map.of("CT", i % 1000 == 0 ? "RO" : "FR"), 1.0, null));
        }
        ClusterSnapshot cluster = new ClusterSnapshot(nodes);
        Placed first = placed(PlacementPlanner.plan(cluster, request("job-1", 500, 512, 3, Policy.SPREAD)));
        Placed second = placed(PlacementPlanner.plan(cluster, request("job-2", 500, 512, 3, Policy.SPREAD)));
        assertThat(first.reason()).isEqualTo("spread: best 3 of 64 sampled (visited 64 of 10000 nodes) with 500m CPU, 512 MiB free");
        assertThat(first.nodeIds()).doesNotContainAnyElementsOf(second.nodeIds()).doesNotContain("n00000");
        assertThat(PlacementPlanner.plan(cluster, request("job-1", 500, 512, 3, Policy.SPREAD))).isEqualTo(first);
        assertThat(placed(PlacementPlanner.plan(cluster, request("job-1", 500, 512, 3, Policy.SPREAD), 10_000)).nodeIds())
                .as("unbounded: the smallest ids win the tie").containsExactly("n00000", "n00001", "n00002");
        // 10 nodes in Romania: all ten are feasible, so a job for 10 of them is placed, whatever the sample size
        Placed romania = placed(PlacementPlanner.plan(cluster, request("job-3", 500, 512, 10, Policy.BINPACK, "CT:RO"), 2));
        assertThat(romania.nodeIds()).hasSize(10).allMatch(id -> Integer.parseInt(id.substring(1)) % 1000 == 0);
        // a job for 100 nodes ranks at least 2 x 100 + 1 of them
        assertThat(placed(PlacementPlanner.plan(cluster, request("job-4", 500, 512, 100, Policy.SPREAD))).reason())
                .startsWith("spread: best 100 of 201 sampled (visited 201 of 10000 nodes)");
    }

    @Test
    void replacePrefersARecordedSpareThatStillFits() {
        ClusterSnapshot cluster = cluster(node("kept", 4000, 8192, 1000, 1024), node("spare1", 4000, 8192, 3800, 0),
                node("spare2", 4000, 8192, 2000, 0), node("other", 4000, 8192, 0, 0));
        PlacementRequest request = request("j", 1000, 1024, 2, Policy.SPREAD);
        Placed placed = placed(PlacementPlanner.replace(cluster, request, List.of("kept"), "lost", List.of("spare1", "spare2")));
        assertThat(placed.nodeIds()).as("spare1 lacks CPU now").containsExactly("kept", "spare2");
        assertThat(placed.spareNodeIds()).containsExactly("other");
        assertThat(placed.reason()).isEqualTo("lost node lost replaced by its spare spare2");
        Placed withoutSpares = placed(PlacementPlanner.replace(cluster, request, List.of("kept"), "lost", List.of()));
        assertThat(withoutSpares.nodeIds()).containsExactly("kept", "other");
        assertThat(withoutSpares.spareNodeIds()).containsExactly("spare2");
        assertThat(withoutSpares.reason())
                .isEqualTo("lost node lost replaced by other (spread: best of 2 nodes with 1000m CPU, 1024 MiB free)");
    }

    @Test
    void replaceNeverChoosesTheKeptTheLostOrExcludedNodes() {
        ClusterSnapshot cluster = cluster(node("kept", 4000, 8192, 0, 0), node("lost", 4000, 8192, 0, 0), node("gone", 4000, 8192, 0, 0));
        PlacementRequest request = request("j", 1000, 1024, 2, Policy.SPREAD).excluding(List.of("gone"));
        assertThat(waiting(PlacementPlanner.replace(cluster, request, List.of("kept"), "lost", List.of("kept", "gone"))))
                .isEqualTo("no node can replace lost node lost: 0 of 1 nodes have 1000m CPU, 1024 MiB free (3 ready nodes, 3 excluded)");
        assertThatThrownBy(() -> PlacementPlanner.replace(cluster, request, List.of("kept", "lost"), "lost", List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PlacementPlanner.replace(cluster, request, List.of(), "lost", List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aJobWithExplicitTargetsWaitsForItsLostNode() {
        ClusterSnapshot cluster = cluster(node("a", 4000, 8192, 0, 0), node("c", 4000, 8192, 0, 0));
        PlacementRequest request = PlacementRequest.from("j", spec(1000, 1024, List.of("a", "b"), 2));
        assertThat(waiting(PlacementPlanner.replace(cluster, request, List.of("a"), "b", List.of("c"))))
                .startsWith("target node b is lost; the job runs only on the nodes it names");
    }

    @Test
    void aRequestComesFromTheSpecWithDefaults() {
        PlacementRequest counted = PlacementRequest.from("job-1", spec(1000, 512, List.of(), 3, List.of("CT:FR||CT:IT", "!IS_KYB")));
        assertThat(counted).isEqualTo(new PlacementRequest("job-1", new Resources(1000, 512, 0), 3, List.of(),
                List.of(TagExpression.parse("CT:FR||CT:IT"), TagExpression.parse("!IS_KYB")), Policy.SPREAD, 1, Set.of()));
        assertThat(PlacementRequest.from("job-2", spec(1000, 512, List.of("a", "b"), 2)).nodeCount()).isEqualTo(2);
        assertThat(counted.withPolicy(Policy.BINPACK).withSpareCount(0).excluding(List.of("x")))
                .extracting(PlacementRequest::policy, PlacementRequest::spareCount, PlacementRequest::excludedNodes)
                .containsExactly(Policy.BINPACK, 0, Set.of("x"));
        assertThatThrownBy(() -> PlacementRequest.from("job-3", spec(1000, 512, List.of(), 1, List.of("CT:FR|"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("single '|' at position 5");
        assertThatThrownBy(() -> PlacementRequest.from("job-4", spec(1000, 512, List.of(), 0))).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> new PlacementRequest("job-5", new Resources(1, 1, 0), 2, List.of("a", "a"), List.of(), Policy.SPREAD, 1,
                new HashSet<>())).hasMessageContaining("2 distinct nodes");
    }

    @Test
    void theOldEntryPointWaitsOnTagsThatDoNotParse() {
        ClusterSnapshot cluster = cluster(node("a", 4000, 8192, 0, 0));
        assertThat(waiting(PlacementPlanner.plan(cluster, spec(1000, 512, List.of(), 1, List.of("CT:")))))
                .startsWith("the job cannot be placed: tag expression \"CT:\" has a term");
    }
}
