package io.deeploy.project.repository;

import io.deeploy.events.payload.NodeStatus;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** An edge node as its operator registered it, and whether an admin has it in service. */
@Entity
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
