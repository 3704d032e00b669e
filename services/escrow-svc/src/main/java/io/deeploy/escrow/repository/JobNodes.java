package io.deeploy.escrow.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;

/**
 * A job's nodes as the platform placed them (NodeSelected) and its first start (AppStarted): the desired side of its
 * chain job's node set, which {@code ChainJobNodes} brings the chain to.
 */
@Entity
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
