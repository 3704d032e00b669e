package io.deeploy.project.repository;

import io.deeploy.events.payload.NodeStatus;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.DynamicUpdate;

/**
 * An edge node as its operator registered it, and whether an admin has it in service. Its operator (a registration
 * renewed: key, addresses) and an admin (its status) write a row at the same moment, each their own columns: an update
 * names only the columns it changed ({@link DynamicUpdate}), so that neither writes back the other's as it read them (a
 * blacklisting undone by a renewal, or a new key by a suspension).
 */
@Entity
@DynamicUpdate
@Table(name = "node_registration")
public class NodeRegistration {

    @Id
    public String id;

    @Column(name = "public_key", nullable = false)
    public String publicKey;

    /** The wallet that registered the node; only it changes the registration. */
    @Column(nullable = false)
    public String operator;

    @Column(name = "payout_address", nullable = false)
    public String payoutAddress;

    /** Where the ingress reaches the node's apps. */
    @Column(nullable = false)
    public String address;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public NodeStatus status;

    @Column(name = "status_reason")
    public String statusReason;

    @Column(name = "registered_at", nullable = false)
    public Instant registeredAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
