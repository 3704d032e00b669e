package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;
import java.math.BigInteger;
import java.util.List;

/**
 * A job-epoch was settled on chain: {@code paid} went to node operators, {@code withheld} stayed for the owner. {@code
 * operators} says who was paid what (the receipt's EpochSettled amounts, by operator address; empty for a job-epoch
 * settled without a transaction of its own, and in events written before it existed).
 */
public record SettlementCompleted(String jobId, long epoch, String transactionHash, BigInteger paid, BigInteger withheld,
        List<OperatorPayment> operators) implements EventPayload {

    /** What one node operator's address was credited for the job-epoch, in token base units. */
    public record OperatorPayment(String operator, BigInteger paid) {
    }

    public SettlementCompleted {
        operators = operators == null ? List.of() : List.copyOf(operators);
    }

    /** Without the split by operator. */
    public SettlementCompleted(String jobId, long epoch, String transactionHash, BigInteger paid, BigInteger withheld) {
        this(jobId, epoch, transactionHash, paid, withheld, List.of());
    }

    @Override
    public String key() {
        return jobId;
    }
}
