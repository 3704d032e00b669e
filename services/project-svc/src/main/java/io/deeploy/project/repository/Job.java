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

    public String url;

    @Column(name = "last_error")
    public String lastError;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Version
    public long version;
}
