package io.deeploy.builder.repository;

import io.deeploy.events.payload.Resources;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A job the scheduler placed on this node. */
@Entity
@Table(name = "assignment")
public class Assignment {

    public enum State {
        /** This node is to run the job. */
        ASSIGNED,
        /** Stopped here: by its owner, or because a newer placement moved it elsewhere. */
        STOPPED
    }

    @Id
    @Column(name = "job_id")
    public String jobId;

    /** The agent that recorded it. */
    @Column(name = "node_id", nullable = false)
    public String nodeId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public State state;

    /** The NodeSelected placement number this assignment came from; older selections are stale. */
    public long placement;

    public long cpu;

    public long memory;

    public int gpu;

    /** The JobSpec as JSON. */
    @Column(nullable = false)
    public String spec;

    @Column(nullable = false)
    public String reason;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    public Resources resources() {
        return new Resources(cpu, memory, gpu);
    }
}
