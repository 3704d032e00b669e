package io.deeploy.scheduler.repository;

import io.deeploy.events.payload.NodeStatus;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A registered node: the key it signs with, who operates it, where its apps are reached, and whether it may serve. */
@Entity
@Table(name = "node_identity")
public class NodeIdentity {

    @Id
    @Column(name = "node_id")
    public String nodeId;

    /** Ed25519, X.509 encoded, base64. */
    @Column(name = "public_key", nullable = false)
    public String publicKey;

    /** The wallet that registered the node. */
    @Column(nullable = false)
    public String operator;

    @Column(name = "payout_address", nullable = false)
    public String payoutAddress;

    /** Where the ingress reaches the node's apps: set at registration, never by the node's own reports. */
    @Column(nullable = false)
    public String address;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public NodeStatus status;

    @Column(name = "status_reason")
    public String statusReason;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
