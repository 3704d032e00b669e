package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;
import java.util.List;

/** An epoch of a job ended; the oracle attests each node's availability for escrow-svc to settle. */
public record SettlementDue(String jobId, long epoch, List<NodeAvailability> availability) implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
