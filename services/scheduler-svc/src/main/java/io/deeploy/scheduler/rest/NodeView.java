package io.deeploy.scheduler.rest;

import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.Resources;
import io.deeploy.scheduler.repository.Node;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

public record NodeView(String id, String state, String address, Resources capacity, Resources free, Map<String, String> tags,
        List<String> runningJobs, String agentVersion, Instant registeredAt, Instant lastHeartbeatAt, double uptimeScore) {

    public static NodeView of(Node node) {
        Map<String, String> tags = EventCodec.stringMapFromJson(node.tags);
        return new NodeView(node.id, node.state.name(), node.address, node.capacity(),
                new Resources(node.freeCpu, node.freeMemory, node.freeGpu), tags,
                node.runningJobs.isEmpty() ? List.of() : Arrays.asList(node.runningJobs.split(",")), node.agentVersion,
                node.registeredAt, node.lastHeartbeatAt, node.uptimeScore);
    }
}
