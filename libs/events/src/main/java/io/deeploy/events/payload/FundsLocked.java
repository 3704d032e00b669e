package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;
import java.math.BigInteger;

/**
 * The escrow holds funds on chain (confirmed to the configured depth) for a chain job that names backend job
 * {@code jobId} as its request. Amounts are in token base units. Anyone can name any job, so this is an offer, not a
 * payment: project-svc counts it only when {@code payer} is the job's owner (or a delegate allowed to create jobs) and
 * the job type covers the job, and says which chain job it took with {@link FundingAccepted}.
 *
 * @param payer          the wallet that created the chain job (its owner on chain)
 * @param jobType        the chain job type paid for
 * @param typeCpuMillis  what one node of that type has, by the chain's job type table
 * @param typeMemoryMb   likewise
 */
public record FundsLocked(String jobId, BigInteger chainJobId, BigInteger amount, String token, long epochs, int nodes,
        String transactionHash, String payer, Integer jobType, Long typeCpuMillis, Integer typeMemoryMb) implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
