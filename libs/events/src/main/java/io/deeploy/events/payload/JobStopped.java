package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;

/** An agent removed a job's containers and workspace. */
public record JobStopped(String jobId, String nodeId, String reason) implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
