package io.deeploy.escrow.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** One job-epoch to settle on chain. */
@Entity
@Table(name = "settlement")
public class Settlement {

    public enum State {
        /** Attested, waiting for its chain transaction. */
        PENDING,
        /** Transaction recorded and sent; reconciled from its receipt. */
        SENT,
        SETTLED
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

    @Column(name = "requested_at", nullable = false)
    public Instant requestedAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Embeddable
    public record Key(@Column(name = "job_id") String jobId, @Column(name = "epoch") long epoch) implements Serializable {
    }
}
