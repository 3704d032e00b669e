package io.deeploy.node.api;

/** How one allocation fares on the node, as its agent sees it. */
public record AllocationHealth(String jobId, long placement, Health health, String commit) {

    public enum Health {
        /** Being built, pulled or started. */
        STARTING,
        /** Its app passed its health check and serves: what the uptime oracle counts. */
        SERVING,
        /** Waiting to be restarted after a crash, or failed with nothing serving. */
        FAILED,
        /** Being stopped. */
        STOPPING
    }
}
