package io.deeploy.node.api;

import io.deeploy.events.payload.JobSpec;

/**
 * One job as the platform wants it on this node: {@link Desired#RUN} its {@code spec}, or {@link Desired#STOP} it (until
 * the node confirms the stop). {@code placement} grows with every placement of the job, so a report names the one it is
 * about.
 */
public record Allocation(String jobId, Desired desired, long placement, JobSpec spec) {

    public enum Desired {
        RUN,
        STOP
    }
}
