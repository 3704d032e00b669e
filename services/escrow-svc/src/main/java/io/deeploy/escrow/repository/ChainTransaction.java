package io.deeploy.escrow.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * One signed transaction escrow-svc sends, recorded before its broadcast so that a crash can never lose track of it;
 * resolved from the chain by {@code ChainTransactions}.
 */
@Entity
@Table(name = "chain_transaction")
public class ChainTransaction {

    /** What the transaction does (the escrow function it calls). */
    public enum Kind {
        SETTLE, ACTIVATE, UPDATE_NODES, REMOVE_NODES, CLOSE, RELEASE
    }

    public enum State {
        /** Signed and recorded; maybe broadcast, maybe mined: the reconciler finds out from the chain. */
        SENDING,
        /** Mined and confirmed (a settle's settlements are SETTLED, or PENDING again where the chain said "not yet"). */
        CONFIRMED,
        /** Mined but reverted as a whole: what it was for is sent again in a new transaction. */
        REVERTED,
        /** Never mined: its nonce went to another transaction. What it was for is sent again in a new transaction. */
        DROPPED
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "deployment_id", nullable = false)
    public long deploymentId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Kind kind;

    /** The backend job it acts on (null for a settle, which may carry many jobs' epochs). */
    @Column(name = "job_id")
    public String jobId;

    @Column(name = "chain_job_id")
    public Long chainJobId;

    @Column(nullable = false)
    public long nonce;

    @Column(name = "tx_hash", nullable = false)
    public String txHash;

    /** The signed transaction, broadcast again as is while its nonce is unused (same hash: it can be mined once). */
    @Column(name = "raw_tx", nullable = false)
    public String rawTx;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public State state;

    @Column(name = "block_number")
    public Long blockNumber;

    /** Why it did not take effect, when it reverted or was dropped. */
    public String error;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "broadcast_at")
    public Instant broadcastAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
