package io.deeploy.scheduler.service;

import io.deeploy.events.payload.JobSpec;
import java.time.Instant;

/** What the job commands topic asks of the scheduler, as {@link PlacementService#apply} takes it. */
public sealed interface JobCommand {

    String jobId();

    /** Place a newly requested job. */
    record Request(String jobId, JobSpec spec, Instant at) implements JobCommand {
    }

    /** Give the job's nodes a new revision of its spec. */
    record Respec(String jobId, JobSpec spec, String reason, Instant at) implements JobCommand {
    }

    /** Release a stopped job. */
    record Release(String jobId, String reason, Instant at) implements JobCommand {
    }
}
