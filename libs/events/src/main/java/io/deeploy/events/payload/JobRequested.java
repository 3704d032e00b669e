package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;

/** A user asked for a job to run. Produced by project-svc; the scheduler places it. */
public record JobRequested(String jobId, String projectId, String owner, JobSpec spec) implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
