package io.deeploy.node.api;

import java.util.List;

/**
 * Everything the platform wants on one node, at {@code index}: a node that was away catches up with one answer, and
 * asks again with this index to wait for the next change.
 */
public record DesiredAllocations(long index, List<Allocation> allocations) {

    public DesiredAllocations {
        allocations = allocations == null ? List.of() : List.copyOf(allocations);
    }
}
