package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;

/**
 * A new revision of a live job's spec: an edit, a restart, a redeploy, a rollback or a resume ({@code reason} says
 * which, and who asked). Wherever the job runs, {@code spec} (whose {@code revision} this is) replaces the one there and
 * is deployed beside what serves, without downtime. A revision at or below the one a service already holds is stale and
 * changes nothing, so redelivery and reordering are harmless.
 */
public record JobSpecChanged(String jobId, JobSpec spec, String reason) implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
