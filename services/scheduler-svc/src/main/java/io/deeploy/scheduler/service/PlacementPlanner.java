package io.deeploy.scheduler.service;

import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.Resources;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Decides where a job goes from a snapshot; pure, so it is tested without a database. Explicit target nodes must all be
 * READY and fit; otherwise the nodes with the most CPU left are chosen (spread), ties broken by id so that the plan
 * is deterministic. The tag grammar and binpack policy come with the full scheduler.
 */
public final class PlacementPlanner {

    private PlacementPlanner() {
    }

    public sealed interface Plan permits Placed, Waiting {
    }

    public record Placed(List<String> nodeIds, String reason) implements Plan {
    }

    public record Waiting(String reason) implements Plan {
    }

    public static Plan plan(ClusterSnapshot cluster, JobSpec spec) {
        Resources need = spec.resources();
        Map<String, ClusterSnapshot.NodeView> byId = cluster.nodes().stream()
                .collect(Collectors.toMap(ClusterSnapshot.NodeView::id, Function.identity()));
        if (!spec.targetNodes().isEmpty()) {
            for (String target : spec.targetNodes()) {
                ClusterSnapshot.NodeView node = byId.get(target);
                if (node == null) {
                    return new Waiting("target node " + target + " is not ready");
                }
                if (!need.fitsIn(node.available())) {
                    return new Waiting("target node " + target + " lacks resources (needs " + describe(need)
                            + ", has " + describe(node.available()) + ")");
                }
            }
            return new Placed(List.copyOf(spec.targetNodes()), "explicit targets");
        }
        List<String> chosen = cluster.nodes().stream()
                .filter(node -> need.fitsIn(node.available()))
                .sorted(Comparator.comparingLong((ClusterSnapshot.NodeView node) -> node.available().cpuMillis()).reversed()
                        .thenComparing(ClusterSnapshot.NodeView::id))
                .limit(spec.targetNodeCount())
                .map(ClusterSnapshot.NodeView::id)
                .toList();
        if (chosen.size() < spec.targetNodeCount()) {
            return new Waiting(chosen.size() + " of " + spec.targetNodeCount() + " nodes have " + describe(need) + " free");
        }
        return new Placed(chosen, "most free CPU among " + cluster.nodes().size() + " ready nodes");
    }

    static String describe(Resources r) {
        return r.cpuMillis() + "m CPU, " + r.memoryMb() + " MiB" + (r.gpus() > 0 ? ", " + r.gpus() + " GPU" : "");
    }
}
