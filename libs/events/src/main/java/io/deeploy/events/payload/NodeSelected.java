package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;
import java.util.List;

/**
 * The scheduler placed a job (again, on failover): the agents on {@code nodeIds} run it. {@code placement} grows by one
 * on every new placement of the job, so an agent can tell a stale selection from the current one.
 */
public record NodeSelected(String jobId, List<String> nodeIds, List<String> spareNodeIds, long placement, String reason, JobSpec spec)
        implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
