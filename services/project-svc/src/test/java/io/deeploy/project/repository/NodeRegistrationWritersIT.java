package io.deeploy.project.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deeploy.events.payload.NodeStatus;
import io.deeploy.node.Ed25519Keys;
import io.deeploy.outbox.testing.ConcurrentWriters;
import io.deeploy.project.service.ApiException;
import io.deeploy.project.service.Caller;
import io.deeploy.project.service.NodeRegistryService;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hibernate.reactive.mutiny.Mutiny;
import org.junit.jupiter.api.Test;

/** A node's registration against the real PostgreSQL, written by its operator and an admin at the same moment. */
@QuarkusTest
class NodeRegistrationWritersIT {

    static final String OPERATOR = "0x00000000000000000000000000000000000000aa";

    @Inject
    Mutiny.SessionFactory sessions;

    @Inject
    NodeRegistryService registry;

    String registered(String address) throws Throwable {
        String nodeId = "node-" + UUID.randomUUID().toString().substring(0, 8);
        ConcurrentWriters.inOwnSession(sessions, session -> session.withTransaction(tx -> {
            NodeRegistration node = new NodeRegistration();
            node.id = nodeId;
            node.publicKey = Ed25519Keys.encode(Ed25519Keys.generate().getPublic());
            node.operator = OPERATOR;
            node.payoutAddress = node.operator;
            node.address = address;
            node.status = NodeStatus.ACTIVE;
            node.registeredAt = Instant.now();
            node.updatedAt = node.registeredAt;
            return session.persist(node);
        }));
        return nodeId;
    }

    /**
     * An admin's blacklisting is in progress (its transaction holds the row) when the operator renews the registration:
     * the renewal waits for the decision, then is refused as a blacklisted node's, so none of it lands (and no
     * NodeRegistered announces the node again after its NodeStatusChanged). Without the row lock in the service, the
     * renewal reads the row before the decision, waits only to write it, and succeeds.
     */
    @Test
    void aRenewalThatMeetsABlacklistingInProgressWaitsForItAndIsRefused() throws Throwable {
        String nodeId = registered("10.0.0.1");
        CompletableFuture<NodeRegistryService.Outcome> renewal = ConcurrentWriters.contend(sessions, NodeRegistration.class,
                nodeId, admin -> {
                    admin.status = NodeStatus.BLACKLISTED;
                    admin.statusReason = "abuse";
                }, () -> registry.register(Caller.wallet(OPERATOR), new NodeRegistryService.Registration(nodeId,
                        Ed25519Keys.encode(Ed25519Keys.generate().getPublic()), "10.0.0.2", null)));

        assertThatThrownBy(() -> renewal.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(ApiException.class)
                .cause().extracting(refusal -> ((ApiException) refusal).code()).isEqualTo("NODE_BLACKLISTED");
        NodeRegistration after = ConcurrentWriters.inOwnSession(sessions,
                session -> session.find(NodeRegistration.class, nodeId));
        assertThat(after.status).isEqualTo(NodeStatus.BLACKLISTED);
        assertThat(after.address).as("the renewal's address").isEqualTo("10.0.0.1");
    }

    /**
     * Below the service's row lock: two writers of the row that do not lock it (the renewal reads the row, an admin
     * blacklists the node and commits, then the renewal is written). Each UPDATE names only the columns its writer
     * changed, so the node stays blacklisted and has its new address.
     */
    @Test
    void aRenewalWrittenWhileTheNodeIsBlacklistedKeepsTheBlacklisting() throws Throwable {
        String nodeId = registered("203.0.113.10");

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
