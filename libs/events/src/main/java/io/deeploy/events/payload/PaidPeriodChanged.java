package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;
import java.math.BigInteger;
import java.time.Instant;

/**
 * The epochs a job's chain job pays for, as the chain confirmed them: set when it is activated, moved when it is
 * extended. {@code endEpoch} is exclusive; {@code paidFrom} and {@code paidUntil} are those epochs' boundaries on the
 * contract's clock, so the job stops at {@code paidUntil}. {@code deposited}: all the chain job holds or held for it,
 * its extensions included (token base units).
 */
public record PaidPeriodChanged(String jobId, BigInteger chainJobId, long startEpoch, long endEpoch, Instant paidFrom,
        Instant paidUntil, BigInteger deposited) implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
