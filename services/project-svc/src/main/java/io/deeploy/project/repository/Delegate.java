package io.deeploy.project.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** An address the owner lets act on their projects, with permission bits ({@code service.Permission}). */
@Entity
@Table(name = "delegate")
public class Delegate {

    @EmbeddedId
    public Key key;

    @Column(nullable = false)
    public int permissions;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Embeddable
    public record Key(@Column(name = "owner") String owner, @Column(name = "delegate") String delegate) implements Serializable {
    }
}
