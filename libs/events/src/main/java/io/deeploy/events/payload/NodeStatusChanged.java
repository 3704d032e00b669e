package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;

/**
 * An admin suspended, blacklisted or reinstated a node ({@code status}: ACTIVE, SUSPENDED or BLACKLISTED, the seed's
 * freeze, suspend and blacklist). A node that is not ACTIVE gets no new placements and its jobs move away; a
 * blacklisted one is also refused at the node gateway.
 */
public record NodeStatusChanged(String nodeId, NodeStatus status, String reason, String decidedBy) implements EventPayload {

    @Override
    public String key() {
        return nodeId;
    }
}
