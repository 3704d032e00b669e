package io.deeploy.project.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.events.payload.NodeStatus;
import io.deeploy.outbox.testing.ConcurrentWriters;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;
import org.junit.jupiter.api.Test;

/** A node's registration against the real PostgreSQL, written by its operator and an admin at the same moment. */
@QuarkusTest
class NodeRegistrationWritersIT {

    @Inject
    Mutiny.SessionFactory sessions;

    /**
     * The operator's renewal reads the row, an admin blacklists the node and commits, then the renewal is written: the
     * node stays blacklisted (its operator cannot undo it by renewing at the right moment) and has its new address.
     */
    @Test
    void aRenewalWrittenWhileTheNodeIsBlacklistedKeepsTheBlacklisting() throws Throwable {
        String nodeId = "node-" + UUID.randomUUID().toString().substring(0, 8);
        ConcurrentWriters.inOwnSession(sessions, session -> session.withTransaction(tx -> {
            NodeRegistration node = new NodeRegistration();
            node.id = nodeId;
            node.publicKey = "key-" + nodeId;
            node.operator = "0x00000000000000000000000000000000000000aa";
            node.payoutAddress = node.operator;
            node.address = "203.0.113.10";
            node.status = NodeStatus.ACTIVE;
            node.registeredAt = Instant.now();
            node.updatedAt = node.registeredAt;
            return session.persist(node);
        }));

        ConcurrentWriters.interleave(sessions, NodeRegistration.class, nodeId, renewal -> {
            renewal.address = "203.0.113.20";
            renewal.updatedAt = Instant.now();
        }, admin -> {
            admin.status = NodeStatus.BLACKLISTED;
            admin.statusReason = "abuse";
            admin.updatedAt = Instant.now();
        });

        NodeRegistration after = ConcurrentWriters.inOwnSession(sessions,
                session -> session.find(NodeRegistration.class, nodeId));
        assertThat(after.address).isEqualTo("203.0.113.20");
        assertThat(after.status).as("the admin's decision, written between the renewal's read and write")
                .isEqualTo(NodeStatus.BLACKLISTED);
        assertThat(after.statusReason).isEqualTo("abuse");
    }
}
