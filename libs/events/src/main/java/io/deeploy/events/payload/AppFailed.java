package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;

/** The app could not start, failed its health check or crashed; {@code restarts} counts restarts so far. */
public record AppFailed(String jobId, String nodeId, String commit, String reason, String logTail, int restarts)
        implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
