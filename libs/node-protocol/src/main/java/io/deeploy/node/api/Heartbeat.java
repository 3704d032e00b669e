package io.deeploy.node.api;

import io.deeploy.events.payload.Resources;
import java.util.List;
import java.util.Map;

/**
 * A node's periodic report to the gateway. {@code sequence} increases with every heartbeat of one agent run and
 * {@code bootId} changes when the agent restarts, so the registry drops reordered or replayed heartbeats. The node is
 * the authenticated sender: the body carries no node id, and its address is the registered one.
 */
public record Heartbeat(String bootId, long sequence, Resources capacity, Resources free, Map<String, String> tags,
        String agentVersion, List<AllocationHealth> allocations) {

    public Heartbeat {
        tags = tags == null ? Map.of() : tags;
        allocations = allocations == null ? List.of() : allocations;
    }
}
