package io.deeploy.node.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventPayload;
import io.deeploy.events.EventType;
import java.time.Instant;
import java.util.UUID;

/**
 * What happened to an allocation on the node: one of the job event types a node may report ({@code type}: BuildStarted,
 * BuildCompleted, AppStarted, AppFailed, JobStopped, TunnelReady, TunnelFailed) with its payload. The gateway publishes
 * it as that event with the node id (and for AppStarted the host) taken from the authenticated node, never from the
 * payload. {@code id} is unique per report and makes a resent report a no-op; {@code time} is when it happened.
 */
public record StatusReport(UUID id, long placement, String type, Instant time, JsonNode payload) {

    public static StatusReport of(UUID id, long placement, EventPayload payload) {
        return new StatusReport(id, placement, EventType.of(payload.getClass()).typeName(), Instant.now(),
                EventCodec.mapper().valueToTree(payload));
    }
}
