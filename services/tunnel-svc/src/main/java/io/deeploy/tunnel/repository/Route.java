package io.deeploy.tunnel.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** Traffic for {@code alias} goes to {@code targetHost:targetPort}, where the job serves on one node. */
@Entity
@Table(name = "route")
public class Route {

    @EmbeddedId
    public Key key;

    @Column(nullable = false)
    public String alias;

    @Column(name = "target_host", nullable = false)
    public String targetHost;

    @Column(name = "target_port", nullable = false)
    public int targetPort;

    @Column(name = "commit_id")
    public String commit;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** When this route was first made: of two jobs reporting one alias, the earlier claim is served. */
    @Column(name = "claimed_at", nullable = false)
    public Instant claimedAt;

    @Embeddable
    public record Key(@Column(name = "job_id") String jobId, @Column(name = "node_id") String nodeId) implements Serializable {
    }
}
