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

/** One signed settle transaction, recorded before its broadcast so a crash can never lose track of it. */
@Entity
@Table(name = "settlement_batch")
public class SettlementBatch {

    public enum State {
        /** Signed and recorded; maybe broadcast, maybe mined: the reconciler finds out from the chain. */
        SENDING,
        /** Mined and confirmed; its settlements are SETTLED (or back to PENDING when the chain said "not yet"). */
        CONFIRMED,
        /** Mined but reverted as a whole (out of gas, oracle changed): its settlements are PENDING again. */
        REVERTED,
        /** Never mined: its nonce went to another transaction. Its settlements are PENDING again. */
        DROPPED
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "deployment_id", nullable = false)
    public long deploymentId;

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

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "broadcast_at")
    public Instant broadcastAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
