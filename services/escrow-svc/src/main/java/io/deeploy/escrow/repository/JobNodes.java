package io.deeploy.escrow.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import org.hibernate.annotations.DynamicUpdate;

/**
 * A job's nodes as the platform placed them (NodeSelected), how many its spec asks for (JobRequested, JobSpecChanged)
 * and its first start (AppStarted): the desired side of its chain job's node set and node count, which
 * {@code ChainJobNodes} brings the chain to.
 *
 * <p>Three writers change a job's row at once, each its own columns: the job-events consumer (placement, first start),
 * the job-commands consumer (revision) and the chain writer (the placement applied). An update names only the columns it
 * changed ({@link DynamicUpdate}): a full-row update from a writer that read the row before another's commit would write
 * back the other's columns as it read them (a scale-down's node count lost to a placement recorded at that moment).
 */
@Entity
@DynamicUpdate
@Table(name = "job_nodes")
public class JobNodes {

    @Id
    @Column(name = "job_id")
    public String jobId;

    /** The newest placement's number (0: none seen yet). */
    @Column(nullable = false)
    public long placement;

    /** Comma-separated ids of the newest placement's nodes. */
    @Column(name = "node_ids", nullable = false)
    public String nodeIds = "";

    /** How many nodes the newest revision of the job's spec asks for (0: not known); the chain job pays for no more. */
    @Column(name = "wanted_nodes", nullable = false)
    public int wantedNodes;

    /** That revision (-1: none seen). */
    @Column(name = "wanted_revision", nullable = false)
    public long wantedRevision = -1;

    /** When this service recorded {@link #wantedNodes} (its own clock, as the ledger's {@code nodesChangedAt}). */
    @Column(name = "wanted_since")
    public Instant wantedSince;

    /** When a node first reported the job serving: its paid epochs start then. */
    @Column(name = "first_served_at")
    public Instant firstServedAt;

    @Column(name = "first_served_node")
    public String firstServedNode;

    /** The placement whose node set was last sent to the chain (activation or updateNodes), null if none. */
    @Column(name = "applied_placement")
    public Long appliedPlacement;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    public List<String> nodeIdList() {
        return nodeIds.isEmpty() ? List.of() : List.of(nodeIds.split(","));
    }
}
