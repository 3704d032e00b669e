package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;

/** An agent began building a job at a commit. */
public record BuildStarted(String jobId, String nodeId, String buildId, String commit) implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
