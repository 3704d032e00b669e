package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;
import java.util.List;
import java.util.Map;

/**
 * An agent's periodic report. {@code sequence} increases with every heartbeat of one agent run and {@code bootId}
 * changes when the agent restarts, so the registry can drop reordered or replayed heartbeats.
 */
public record NodeHeartbeat(String nodeId, String bootId, long sequence, String address, Resources capacity, Resources free,
        Map<String, String> tags, List<String> runningJobIds, String agentVersion) implements EventPayload {

    @Override
    public String key() {
        return nodeId;
    }
}
