package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;

/** The owner (or the end of the paid duration) asked for a job to stop everywhere. */
public record JobStopRequested(String jobId, String reason) implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
