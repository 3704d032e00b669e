package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;
import java.math.BigInteger;

/** The escrow holds a job's funds on chain (confirmed to the configured depth). Amounts are in token base units. */
public record FundsLocked(String jobId, BigInteger chainJobId, BigInteger amount, String token, long epochs, int nodes,
        String transactionHash) implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
