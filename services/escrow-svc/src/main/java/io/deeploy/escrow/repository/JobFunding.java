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
import org.hibernate.annotations.DynamicUpdate;

/**
 * The ledger of one chain job, built from the escrow's confirmed logs. Amounts in token base units. The ledger, the
 * job-commands consumer (the job's stop, its funding link) and the closer write a row at once, each its own columns: an
 * update names only the columns it changed ({@link DynamicUpdate}), so that none puts back another's (a stop lost to a
 * log applied at the same moment would leave the chain job open).
 */
@Entity
@DynamicUpdate
@Table(name = "job_funding")
public class JobFunding {

    /** The contract's job states (0 none is never recorded). */
    public enum State {
        FUNDED, ACTIVE,
        /** No epoch after endEpoch: the epochs it began are still settled within the window, then the rest released. */
        CLOSED,
        /** Released, redeemed, or closed before activation: holds nothing. */
        ENDED
    }

    @EmbeddedId
    public Key key;

    /** The backend job its requestId names, if any (see JobIds): an offer to fund it, which anyone can make. */
    @Column(name = "requested_job_id")
    public String requestedJobId;

    /** The backend job it funds: set once project-svc accepted the offer (FundingAccepted), else null. */
    @Column(name = "job_id")
    public String jobId;

    @Column(name = "owner_address", nullable = false)
    public String ownerAddress;

    @Column(name = "job_type", nullable = false)
    public int jobType;

    @Column(nullable = false)
    public int nodes;

    @Column(nullable = false)
    public long epochs;

    @Column(name = "price_per_epoch", nullable = false)
    public BigInteger pricePerEpoch;

    @Column(nullable = false)
    public BigInteger deposited;

    @Column(nullable = false)
    public BigInteger paid;

    @Column(nullable = false)
    public BigInteger refunded;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public State state;

    @Column(name = "start_epoch")
    public Long startEpoch;

    /** Exclusive. */
    @Column(name = "end_epoch")
    public Long endEpoch;

    /** When the job's stop reached this service (its owner's, or the end of its paid time); null while it runs. */
    @Column(name = "close_requested_at")
    public Instant closeRequestedAt;

    /** When the ledger last applied a change of the chain job's node count (NodesAdded, NodesRemoved); null if never. */
    @Column(name = "nodes_changed_at")
    public Instant nodesChangedAt;

    /** The close (then, once CLOSED, the release) is sent from then on (see ChainJobCloser); moved on a refusal. */
    @Column(name = "close_not_before")
    public Instant closeNotBefore;

    @Column(name = "close_attempts", nullable = false)
    public int closeAttempts;

    /** Why the chain refused the last close or release, if it did. */
    @Column(name = "close_error")
    public String closeError;

    @Column(name = "created_tx", nullable = false)
    public String createdTx;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Embeddable
    public record Key(@Column(name = "deployment_id") long deploymentId, @Column(name = "chain_job_id") long chainJobId)
            implements Serializable {
    }
}
