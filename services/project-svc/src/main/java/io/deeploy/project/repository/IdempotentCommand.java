package io.deeploy.project.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** A command already executed under an Idempotency-Key, and the resource it produced. */
@Entity
@Table(name = "idempotent_command")
public class IdempotentCommand {

    @EmbeddedId
    public Key key;

    @Column(name = "request_hash", nullable = false)
    public String requestHash;

    @Column(name = "resource_id", nullable = false)
    public String resourceId;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Embeddable
    public record Key(@Column(name = "scope") String scope, @Column(name = "command_key") String commandKey) implements Serializable {
    }
}
