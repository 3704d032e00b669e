package io.deeploy.scheduler.repository;

import io.deeploy.events.payload.Resources;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/** Where a job runs and what it holds there; the reservations of all PLACED rows are the scheduler's ledger. */
@Entity
@Table(name = "placement")
public class Placement {

    public enum State {
        /** Resources reserved on {@code nodeIds}. */
        PLACED,
        /** No feasible node yet; tried again when capacity appears. */
        WAITING,
        /** The job stopped; nothing reserved. */
        RELEASED
    }

    @Id
    @Column(name = "job_id")
    public String jobId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public State state;

    @Column(name = "node_ids", nullable = false)
    public String nodeIds = "";

    @Column(name = "spare_ids", nullable = false)
    public String spareIds = "";

    public long cpu;

    public long memory;

    public int gpu;

    @Column(name = "node_count")
    public int nodeCount;

    /** Grows by one with every NodeSelected of this job. */
    public long attempt;

    @Column(nullable = false)
    public String reason;

    /** The JobSpec as JSON, to re-announce it on a new placement. */
    @Column(nullable = false)
    public String spec;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    public Resources perNode() {
        return new Resources(cpu, memory, gpu);
    }

    public List<String> nodes() {
        return nodeIds.isEmpty() ? List.of() : Arrays.asList(nodeIds.split(","));
    }
}
