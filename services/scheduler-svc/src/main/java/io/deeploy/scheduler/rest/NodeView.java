package io.deeploy.scheduler.rest;

import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.Resources;
import io.deeploy.scheduler.repository.Node;
import io.deeploy.scheduler.repository.NodeIdentity;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A node as the registry knows it: from its heartbeats (state, capacity, tags, serving jobs) and from its registration
 * ({@code status}: whether an admin has it in service; {@code operator}), the latter null for a node never registered.
 */
public record NodeView(String id, String state, String address, Resources capacity, Resources free, Map<String, String> tags,
        List<String> runningJobs, String agentVersion, Instant registeredAt, Instant lastHeartbeatAt, double uptimeScore,
        String status, String operator) {

    public static NodeView of(Node node, NodeIdentity identity) {
        Map<String, String> tags = EventCodec.stringMapFromJson(node.tags);
        return new NodeView(node.id, node.state.name(), node.address, node.capacity(),
                new Resources(node.freeCpu, node.freeMemory, node.freeGpu), tags,
                node.runningJobs.isEmpty() ? List.of() : Arrays.asList(node.runningJobs.split(",")), node.agentVersion,
                node.registeredAt, node.lastHeartbeatAt, node.uptimeScore,
                identity == null ? null : identity.status.name(), identity == null ? null : identity.operator);
    }
}
