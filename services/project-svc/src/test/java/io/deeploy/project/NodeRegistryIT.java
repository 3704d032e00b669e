package io.deeploy.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.deeploy.events.Event;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.NodeRegistered;
import io.deeploy.events.payload.NodeStatus;
import io.deeploy.events.payload.NodeStatusChanged;
import io.deeploy.node.Ed25519Keys;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.signing.DeeployWallet;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Node operators and admins through the public API against the real PostgreSQL and Kafka: who may register a node, change
 * it, or take it out of service, and what is announced. Each refusal is checked to have written nothing.
 */
@QuarkusTest
class NodeRegistryIT {

    /** The test profile's admin ({@code %test.deeploy.registry.admins}): the well-known private key 1. */
    static final DeeployWallet ADMIN = DeeployWallet.fromPrivateKey("0x" + "0".repeat(63) + "1");

    static KafkaEvents kafka;

    @Inject
    Pool pool;

    @BeforeAll
    static void connect() {
        kafka = KafkaEvents.fromEnvironment();
    }

    @AfterAll
    static void close() {
        kafka.close();
    }

    static String newNodeId() {
        return "node-" + UUID.randomUUID().toString().substring(0, 13);
    }

    static Map<String, Object> registration(String id, String publicKey, String address) {
        return Map.of("id", id, "publicKey", publicKey, "address", address);
    }

    static String newKey() {
        return Ed25519Keys.encode(Ed25519Keys.generate().getPublic());
    }

    long rows(String nodeId) {
        return pool.preparedQuery("SELECT count(*) FROM node_registration WHERE id = $1").execute(Tuple.of(nodeId))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
    }

    List<Event<?>> announced(String nodeId) {
        return kafka.eventsWithKey(Topics.OPERATOR_EVENTS, nodeId);
    }

    @Test
    void anOperatorRegistersANodeAndOnlyTheyChangeIt() {
        DeeployWallet operator = DeeployWallet.create();
        DeeployWallet stranger = DeeployWallet.create();
        String nodeId = newNodeId();
        String key = newKey();
        SignedApi.post(operator, "/api/nodes", registration(nodeId, key, "10.20.30.40"), UUID.randomUUID().toString()).then()
                .statusCode(201).body("id", equalTo(nodeId)).body("operator", equalTo(operator.address()))
                .body("payoutAddress", equalTo(operator.address())).body("status", equalTo("ACTIVE"));
        // The same registration again changes nothing and announces nothing more.
        SignedApi.post(operator, "/api/nodes", registration(nodeId, key, "10.20.30.40"), UUID.randomUUID().toString()).then()
                .statusCode(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> !announced(nodeId).isEmpty());
        NodeRegistered event = (NodeRegistered) announced(nodeId).get(0).payload();
        assertThat(event).isEqualTo(new NodeRegistered(nodeId, key, operator.address(), operator.address(), "10.20.30.40"));

        // Another wallet cannot take the id, nor a node's key be registered for a second node.
        SignedApi.post(stranger, "/api/nodes", registration(nodeId, newKey(), "10.20.30.41"), UUID.randomUUID().toString()).then()
                .statusCode(409).body("code", equalTo("NODE_ID_TAKEN"));
        String second = newNodeId();
        SignedApi.post(stranger, "/api/nodes", registration(second, key, "10.20.30.41"), UUID.randomUUID().toString()).then()
                .statusCode(409).body("code", equalTo("NODE_KEY_TAKEN"));
        assertThat(rows(second)).isZero();
        // Nor does another wallet see it.
        SignedApi.get(stranger, "/api/nodes/" + nodeId).then().statusCode(404);
        SignedApi.get(operator, "/api/nodes/" + nodeId).then().statusCode(200).body("publicKey", equalTo(key));

        // The operator rotates the key: announced again.
        String rotated = newKey();
        SignedApi.post(operator, "/api/nodes", registration(nodeId, rotated, "10.20.30.40"), UUID.randomUUID().toString()).then()
                .statusCode(200).body("publicKey", equalTo(rotated));
        await().atMost(Duration.ofSeconds(20)).until(() -> announced(nodeId).size() == 2);
        assertThat(((NodeRegistered) announced(nodeId).get(1).payload()).publicKey()).isEqualTo(rotated);
    }

    @Test
    void badRegistrationsAreRefusedByFieldAndWriteNothing() {
        DeeployWallet operator = DeeployWallet.create();
        String nodeId = newNodeId();
        Map<String, Map<String, Object>> bad = Map.of(
                "id", registration("Not_A_Label", newKey(), "10.0.0.1"),
                "publicKey", registration(nodeId, "not-a-key", "10.0.0.1"),
                "address", registration(nodeId, newKey(), "node.example.org"));
        bad.forEach((field, body) -> SignedApi.post(operator, "/api/nodes", body, UUID.randomUUID().toString()).then()
                .statusCode(400).body("field", equalTo(field)));
        // A loopback address would point the ingress at the platform's own machine: refused where not allowed.
        for (String address : List.of("127.0.0.1", "::1", "0.0.0.0", "169.254.1.1", "224.0.0.1")) {
            SignedApi.post(operator, "/api/nodes", registration(nodeId, newKey(), address), UUID.randomUUID().toString()).then()
                    .statusCode(400).body("field", equalTo("address"));
        }
        SignedApi.post(operator, "/api/nodes", Map.of("id", nodeId, "publicKey", newKey(), "address", "10.0.0.1",
                "payoutAddress", "0x12"), UUID.randomUUID().toString()).then().statusCode(400).body("field", equalTo("payoutAddress"));
        assertThat(rows(nodeId)).isZero();
        assertThat(announced(nodeId)).isEmpty();
    }

    @Test
    void onlyAnAdminSuspendsOrBlacklistsAndABlacklistedNodeStaysSo() {
        DeeployWallet operator = DeeployWallet.create();
        String nodeId = newNodeId();
        String key = newKey();
        SignedApi.post(operator, "/api/nodes", registration(nodeId, key, "10.20.30.50"), UUID.randomUUID().toString()).then()
                .statusCode(201);
        // The operator is no admin.
        SignedApi.put(operator, "/api/nodes/" + nodeId + "/status", Map.of("status", "ACTIVE", "reason", "me")).then()
                .statusCode(403).body("code", equalTo("NOT_ADMIN"));
        SignedApi.put(ADMIN, "/api/nodes/" + nodeId + "/status", Map.of("status", "FROZEN")).then().statusCode(400)
                .body("field", equalTo("status"));
        SignedApi.put(ADMIN, "/api/nodes/" + nodeId + "/status", Map.of("status", "SUSPENDED", "reason", "maintenance")).then()
                .statusCode(200).body("status", equalTo("SUSPENDED"));
        SignedApi.put(ADMIN, "/api/nodes/" + nodeId + "/status", Map.of("status", "BLACKLISTED", "reason", "abuse")).then()
                .statusCode(200).body("status", equalTo("BLACKLISTED"));
        SignedApi.put(ADMIN, "/api/nodes/no-such-node/status", Map.of("status", "SUSPENDED")).then().statusCode(404);
        // A blacklisted node's registration cannot be changed by its operator (a new key would not lift it).
        SignedApi.post(operator, "/api/nodes", registration(nodeId, newKey(), "10.20.30.50"), UUID.randomUUID().toString()).then()
                .statusCode(403).body("code", equalTo("NODE_BLACKLISTED"));
        await().atMost(Duration.ofSeconds(20)).until(() -> announced(nodeId).size() == 3);
        assertThat(announced(nodeId).stream().skip(1).map(e -> ((NodeStatusChanged) e.payload()).status()))
                .containsExactly(NodeStatus.SUSPENDED, NodeStatus.BLACKLISTED);
        assertThat(((NodeStatusChanged) announced(nodeId).get(2).payload()).decidedBy()).isEqualTo(ADMIN.address());
        // The admin sees every node; the operator theirs.
        SignedApi.get(ADMIN, "/api/nodes").then().statusCode(200).body("id", org.hamcrest.Matchers.hasItem(nodeId));
        SignedApi.get(operator, "/api/nodes").then().statusCode(200).body("id", equalTo(List.of(nodeId)));
    }

    @Test
    void anApiTokenCannotRegisterNodes() {
        DeeployWallet owner = DeeployWallet.create();
        String project = JobApiIT.newProject(owner);
        String token = SignedApi.post(owner, "/api/projects/" + project + "/tokens", Map.of("name", "ci", "permissions",
                List.of("create")), UUID.randomUUID().toString()).then().statusCode(201).extract().path("token");
        String nodeId = newNodeId();
        SignedApi.token(token).contentType("application/json").body(SignedApi.json(registration(nodeId, newKey(), "10.0.0.9")))
                .post("/api/nodes").then().statusCode(403).body("code", equalTo("TOKEN_SCOPE"));
        assertThat(rows(nodeId)).isZero();
    }
}
