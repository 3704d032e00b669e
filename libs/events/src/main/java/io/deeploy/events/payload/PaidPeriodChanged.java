package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;
import java.math.BigInteger;
import java.time.Instant;

/**
 * The epochs and nodes a job's chain job pays for, as the chain confirmed them: set when it is activated, moved when
 * it is extended or nodes are added or removed. {@code endEpoch} is exclusive; {@code paidFrom} and {@code paidUntil}
 * are those epochs' boundaries on the contract's clock, so the job stops at {@code paidUntil}. {@code deposited}: all
 * the chain job holds or held for it, its extensions and added nodes included (token base units). {@code nodes}: the
 * nodes it pays for from the next epoch on (0 from a producer that did not say). {@code refunded}: what it gave back to
 * its owner so far, for nodes removed (null from a producer that did not say).
 */
public record PaidPeriodChanged(String jobId, BigInteger chainJobId, long startEpoch, long endEpoch, Instant paidFrom,
        Instant paidUntil, BigInteger deposited, int nodes, BigInteger refunded) implements EventPayload {

    /** A change that does not say how many nodes are paid for (as older producers sent it). */
    public PaidPeriodChanged(String jobId, BigInteger chainJobId, long startEpoch, long endEpoch, Instant paidFrom,
            Instant paidUntil, BigInteger deposited) {
        this(jobId, chainJobId, startEpoch, endEpoch, paidFrom, paidUntil, deposited, 0, null);
    }

    @Override
    public String key() {
        return jobId;
    }
}
