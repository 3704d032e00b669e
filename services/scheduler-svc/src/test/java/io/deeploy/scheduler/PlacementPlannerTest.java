package io.deeploy.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.Resources;
import io.deeploy.scheduler.service.ClusterSnapshot;
import io.deeploy.scheduler.service.ClusterSnapshot.NodeView;
import io.deeploy.scheduler.service.PlacementPlanner;
import io.deeploy.scheduler.service.PlacementPlanner.Placed;
import io.deeploy.scheduler.service.PlacementPlanner.Waiting;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementPlannerTest {

    static NodeView node(String id, long cpu, long memory, long reservedCpu, long reservedMemory) {
        return new NodeView(id, new Resources(cpu, memory, 0), new Resources(reservedCpu, reservedMemory, 0), Map.of());
    }

    static JobSpec spec(long cpu, long memory, List<String> targets, int count) {
        return new JobSpec(JobKind.CAR, "a", "local/debian:bookworm", null, List.of(), Map.of(), List.of(), 80,
                new Resources(cpu, memory, 0), "always", null, targets, count, List.of(), 30, null, null);
    }

    @Test
    void explicitTargetsArePlacedWhenReadyAndRoomy() {
        ClusterSnapshot cluster = new ClusterSnapshot(List.of(node("n1", 2000, 4096, 0, 0), node("n2", 2000, 4096, 1800, 0)));
        assertThat(PlacementPlanner.plan(cluster, spec(1000, 512, List.of("n1"), 1)))
                .isEqualTo(new Placed(List.of("n1"), "explicit targets"));
        assertThat(PlacementPlanner.plan(cluster, spec(1000, 512, List.of("n2"), 1))).isInstanceOf(Waiting.class)
                .extracting(plan -> ((Waiting) plan).reason()).asString().contains("n2 lacks resources");
        assertThat(PlacementPlanner.plan(cluster, spec(1000, 512, List.of("n9"), 1))).isInstanceOf(Waiting.class)
                .extracting(plan -> ((Waiting) plan).reason()).asString().contains("n9 is not ready");
    }

    @Test
    void countedPlacementSpreadsOverTheNodesWithMostRoomLeft() {
        ClusterSnapshot cluster = new ClusterSnapshot(List.of(node("a", 4000, 8192, 3000, 0), node("b", 4000, 8192, 1000, 0),
                node("c", 4000, 8192, 0, 0), node("d", 1000, 256, 0, 0)));
        Placed placed = (Placed) PlacementPlanner.plan(cluster, spec(500, 512, List.of(), 2));
        assertThat(placed.nodeIds()).containsExactly("c", "b");
    }

    @Test
    void reservationsCountAgainstCapacityAndAShortfallWaits() {
        ClusterSnapshot cluster = new ClusterSnapshot(List.of(node("a", 2000, 1024, 1500, 512), node("b", 2000, 1024, 0, 900)));
        PlacementPlanner.Plan plan = PlacementPlanner.plan(cluster, spec(1000, 256, List.of(), 1));
        assertThat(plan).isInstanceOf(Waiting.class);
        assertThat(((Waiting) plan).reason()).isEqualTo("0 of 1 nodes have 1000m CPU, 256 MiB free");
    }
}
