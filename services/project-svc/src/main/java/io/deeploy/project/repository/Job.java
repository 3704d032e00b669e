package io.deeploy.project.repository;

import io.deeploy.events.payload.JobKind;
import io.deeploy.project.service.JobState;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.math.BigInteger;
import java.time.Instant;

@Entity
@Table(name = "job")
public class Job {

    @Id
    public String id;

    @Column(name = "project_id", nullable = false)
    public String projectId;

    /** Who asked for it (the project's owner at the time). */
    @Column(nullable = false)
    public String owner;

    @Column(nullable = false)
    public String alias;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public JobKind kind;

    /** The JobSpec as JSON, exactly as announced in JobRequested. */
    @Column(nullable = false)
    public String spec;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public JobState state;

    /** Comma-separated ids of the nodes the job is placed on. */
    @Column(name = "node_ids", nullable = false)
    public String nodeIds = "";

    public java.util.List<String> nodeIdList() {
        return nodeIds.isEmpty() ? java.util.List.of() : java.util.List.of(nodeIds.split(","));
    }

    @Column(name = "running_commit")
    public String runningCommit;

    /** The revision of the spec that last started serving (AppStarted); null until one did. */
    @Column(name = "running_revision")
    public Long runningRevision;

    public String url;

    @Column(name = "last_error")
    public String lastError;

    /** Escrow mode: the chain job type the job is to be paid by (null in unpaid mode). */
    @Column(name = "job_type")
    public Integer jobType;

    /** Escrow mode: escrow-svc's answer for paying the job (amount, transactions to sign), as JSON. */
    public String payment;

    /** The chain job whose funds were accepted for this job (escrow billing), else null. */
    @Column(name = "chain_job_id")
    public BigInteger chainJobId;

    /** What a node of the job type paid for gives (from its accepted funds): the most an edit may ask for. */
    @Column(name = "paid_cpu_millis")
    public Long paidCpuMillis;

    @Column(name = "paid_memory_mb")
    public Integer paidMemoryMb;

    /** How many nodes that chain job pays for: its funds' count, then each change the chain confirms. */
    @Column(name = "paid_nodes")
    public Integer paidNodes;

    /**
     * The nodes the owner asked for while the added ones are being paid for on chain, as the JSON of a
     * {@code ScaleJobRequest}; applied when the chain confirms them (null: none asked).
     */
    @Column(name = "pending_nodes")
    public String pendingNodes;

    /** What that chain job deposited, in token base units. */
    @Column(name = "funds_locked")
    public BigInteger fundsLocked;

    /** Given back to the owner so far for nodes removed (PaidPeriodChanged), in token base units. */
    @Column(name = "funds_refunded", nullable = false)
    public BigInteger fundsRefunded = BigInteger.ZERO;

    /** Paid to node operators so far, over {@link #epochsSettled} settled epochs. */
    @Column(name = "funds_paid", nullable = false)
    public BigInteger fundsPaid = BigInteger.ZERO;

    /** Withheld at settlement (epochs not served), returned to the owner when the chain job is released. */
    @Column(name = "funds_withheld", nullable = false)
    public BigInteger fundsWithheld = BigInteger.ZERO;

    /** Of {@link #fundsPaid}, what each node operator's address was paid: a JSON object of address to amount (text). */
    @Column(name = "funds_by_operator", nullable = false)
    public String fundsByOperator = "{}";

    @Column(name = "epochs_settled", nullable = false)
    public int epochsSettled;

    /**
     * When the job's paid time ends and it is stopped (escrow billing: the end of the epochs its chain job pays for;
     * unpaid mode: its duration from its first start); null until it starts, or while its funds are not active.
     */
    @Column(name = "paid_until")
    public Instant paidUntil;

    /** Unpaid mode: epochs its owner added to {@code durationEpochs} (POST /api/jobs/{id}/extend). */
    @Column(name = "epochs_extended", nullable = false)
    public int epochsExtended;

    /** When the owner was told that the paid time ends soon (JobExpiring), for the current paidUntil; else null. */
    @Column(name = "expiry_warned_at")
    public Instant expiryWarnedAt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Version
    public long version;
}
