package io.deeploy.scheduler.repository;

import io.deeploy.events.payload.Resources;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** An edge node as the registry knows it from its heartbeats. */
@Entity
@Table(name = "node")
public class Node {

    public enum State {
        READY,
        LOST
    }

    @Id
    public String id;

    @Column(name = "boot_id", nullable = false)
    public String bootId;

    @Column(nullable = false)
    public long sequence;

    @Column(nullable = false)
    public String address;

    @Column(name = "capacity_cpu")
    public long capacityCpu;

    @Column(name = "capacity_memory")
    public long capacityMemory;

    @Column(name = "capacity_gpu")
    public int capacityGpu;

    @Column(name = "free_cpu")
    public long freeCpu;

    @Column(name = "free_memory")
    public long freeMemory;

    @Column(name = "free_gpu")
    public int freeGpu;

    /** Tags as JSON object text. */
    @Column(nullable = false)
    public String tags;

    /** Comma-separated ids of the jobs the agent reports running. */
    @Column(name = "running_jobs", nullable = false)
    public String runningJobs;

    @Column(name = "agent_version")
    public String agentVersion;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public State state;

    @Column(name = "registered_at", nullable = false)
    public Instant registeredAt;

    @Column(name = "last_heartbeat_at", nullable = false)
    public Instant lastHeartbeatAt;

    /** Observed uptime, 0..1 ({@link io.deeploy.scheduler.service.NodeRegistry#nextScore}). */
    @Column(name = "uptime_score", nullable = false)
    public double uptimeScore = 1.0;

    public Resources capacity() {
        return new Resources(capacityCpu, capacityMemory, capacityGpu);
    }
}
