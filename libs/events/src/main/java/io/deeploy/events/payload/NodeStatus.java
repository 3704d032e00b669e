package io.deeploy.events.payload;

/** Where an admin has put a registered node. */
public enum NodeStatus {
    /** Takes placements. */
    ACTIVE,
    /** No new placements; its jobs move to other nodes. Its agent may still report, so that it can stop them. */
    SUSPENDED,
    /** As suspended, and refused at the node gateway. */
    BLACKLISTED
}
