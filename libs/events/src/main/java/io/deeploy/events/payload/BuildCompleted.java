package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;

/** A build ended, well or not; on failure {@code failureReason} says why and {@code logTail} shows the last lines. */
public record BuildCompleted(String jobId, String nodeId, String buildId, String commit, boolean success, long durationMillis,
        String failureReason, String logTail) implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
