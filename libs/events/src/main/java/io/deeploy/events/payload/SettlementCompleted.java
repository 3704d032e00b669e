package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;
import java.math.BigInteger;

/** A job-epoch was settled on chain: {@code paid} went to node operators, {@code withheld} stayed for refund. */
public record SettlementCompleted(String jobId, long epoch, String transactionHash, BigInteger paid, BigInteger withheld)
        implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
