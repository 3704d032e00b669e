package io.deeploy.scheduler.service;

import io.deeploy.events.TagExpression;
import io.deeploy.events.payload.Resources;
import io.deeploy.scheduler.service.ClusterSnapshot.NodeView;
import java.util.List;
import java.util.Set;

/**
 * The one chain of feasibility checks that every placement path applies to a node (a counted job's candidates, its
 * recorded spares, the nodes a job names, the count of a waiting job's shortfall), as Nomad's feasibility checkers
 * are: the node is not excluded, matches all the job's tag expressions, and has the job's per-node resources left on
 * every dimension.
 */
final class Feasibility {

    /** The first check a node fails, in the order a user is told about it. */
    enum Failure {
        EXCLUDED, TAGS, RESOURCES
    }

    private final Resources need;
    private final List<TagExpression> tags;
    private final Set<String> excluded;

    Feasibility(PlacementRequest request, Set<String> excluded) {
        this.need = request.perNode();
        this.tags = request.tags();
        this.excluded = excluded;
    }

    /** Whether the node passes every check; cheapest first, since most calls are on the hot path of a decision. */
    boolean test(NodeView node) {
        return node.fits(need) && admits(node);
    }

    /** As {@link #test(NodeView)}, for the node at {@code index} of the snapshot's nodes (its free resources read flat). */
    boolean test(ClusterSnapshot cluster, int index) {
        return cluster.fits(index, need) && admits(cluster.nodes().get(index));
    }

    /** The checks after the resources: not excluded, and the tags match. */
    private boolean admits(NodeView node) {
        return (excluded.isEmpty() || !excluded.contains(node.id())) && matchesTags(node);
    }

    /** The first check the node fails, or null if it passes them all. */
    Failure firstFailure(NodeView node) {
        if (excluded.contains(node.id())) {
            return Failure.EXCLUDED;
        }
        if (!matchesTags(node)) {
            return Failure.TAGS;
        }
        return node.fits(need) ? null : Failure.RESOURCES;
    }

    boolean isExcluded(NodeView node) {
        return excluded.contains(node.id());
    }

    boolean matchesTags(NodeView node) {
        return TagExpression.matchesAllNormalized(tags, node.tags());
    }

    /** Whether the job would fit on the node if nothing else ran there. */
    boolean couldEverHold(NodeView node) {
        return need.fitsIn(node.capacity());
    }
}
