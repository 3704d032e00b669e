package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;
import java.math.BigInteger;

/**
 * project-svc counts chain job {@code chainJobId}'s funds for backend job {@code jobId} (its payer and job type passed
 * the checks of FundsLocked): the escrow links the two, so that the job is activated, settled and closed on that chain
 * job and no other that named it.
 */
public record FundingAccepted(String jobId, BigInteger chainJobId) implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
