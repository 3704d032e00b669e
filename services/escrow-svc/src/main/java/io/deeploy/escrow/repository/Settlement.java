package io.deeploy.escrow.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.math.BigInteger;
import java.time.Instant;

/** One job-epoch to settle on chain. */
@Entity
@Table(name = "settlement")
public class Settlement {

    /**
     * PENDING -> SENDING when it is put in a signed settle transaction (recorded before the broadcast);
     * SENDING -> SETTLED when that transaction's receipt is confirmed (SettlementCompleted is enqueued in the same
     * database transaction); SENDING -> PENDING when the transaction reverted, was dropped, or the chain answered
     * "epoch not ended" / "job not active" (it is sent again later). SETTLED is final.
     */
    public enum State {
        /** Attested, waiting for its chain transaction. */
        PENDING,
        /** In a recorded settle transaction (see batchId); reconciled from its receipt. */
        SENDING,
        SETTLED;

        public boolean canBecome(State next) {
            switch (this) {
                case PENDING:
                    return next == SENDING;
                case SENDING:
                    return next == SETTLED || next == PENDING;
                default:
                    return false;
            }
        }
    }

    @EmbeddedId
    public Key key;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public State state;

    /** The attested availability per node, as JSON. */
    @Column(nullable = false)
    public String availability;

    @Column(name = "tx_hash")
    public String txHash;

    /** The settle transaction it is (or last was) in. */
    @Column(name = "batch_id")
    public Long batchId;

    @Column(name = "chain_job_id")
    public Long chainJobId;

    /** Credited to node operators for this job-epoch (once SETTLED), in token base units. */
    public BigInteger paid;

    /** What the epoch held and did not pay (stays in the job, refunded at close). */
    public BigInteger withheld;

    /** Settle transactions it has been put in. */
    @Column(nullable = false)
    public int attempts;

    @Column(name = "requested_at", nullable = false)
    public Instant requestedAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    public void moveTo(State next, Instant at) {
        if (!state.canBecome(next)) {
            throw new IllegalStateException("settlement " + key + " cannot go from " + state + " to " + next);
        }
        state = next;
        updatedAt = at;
    }

    @Embeddable
    public record Key(@Column(name = "job_id") String jobId, @Column(name = "epoch") long epoch) implements Serializable {
    }
}
