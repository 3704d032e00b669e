package io.deeploy.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeRequestTest {

    static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
    static final Duration MAX_AGE = Duration.ofSeconds(60);
    static final Duration SKEW = Duration.ofSeconds(30);
    static final byte[] BODY = "{\"sequence\":1}".getBytes(StandardCharsets.UTF_8);

    final KeyPair keys = Ed25519Keys.generate();
    final NodeSigner signer = new NodeSigner("node-a", keys);

    NodeRequestVerifier.Facts facts(Map<String, String> headers, String method, String target, byte[] body) {
        return new NodeRequestVerifier.Facts(method, target, body, headers.get(NodeRequest.NODE_HEADER),
                headers.get(NodeRequest.NONCE_HEADER), headers.get(NodeRequest.SIGNATURE_HEADER));
    }

    @Test
    void aSignedRequestVerifiesWithTheNodesKey() {
        Map<String, String> headers = signer.headers("platform-1", "POST", "/gateway/v1/heartbeat", BODY, NOW.toEpochMilli());
        long nonce = NodeRequestVerifier.verify(facts(headers, "POST", "/gateway/v1/heartbeat", BODY), keys.getPublic(),
                "platform-1", NOW, MAX_AGE, SKEW);
        assertThat(nonce).isEqualTo(NOW.toEpochMilli());
    }

    @Test
    void everySignedPartIsBound() {
        Map<String, String> headers = signer.headers("platform-1", "POST", "/gateway/v1/heartbeat", BODY, NOW.toEpochMilli());
        assertRefused(facts(headers, "GET", "/gateway/v1/heartbeat", BODY), "platform-1", "SIGNATURE_INVALID");
        assertRefused(facts(headers, "POST", "/gateway/v1/allocations", BODY), "platform-1", "SIGNATURE_INVALID");
        assertRefused(facts(headers, "POST", "/gateway/v1/heartbeat", "{}".getBytes(StandardCharsets.UTF_8)), "platform-1",
                "SIGNATURE_INVALID");
        // Another deployment's gateway refuses it.
        assertRefused(facts(headers, "POST", "/gateway/v1/heartbeat", BODY), "platform-2", "SIGNATURE_INVALID");
        // Claiming to be another node with this node's signature.
        Map<String, String> forged = new java.util.HashMap<>(headers);
        forged.put(NodeRequest.NODE_HEADER, "node-b");
        assertRefused(facts(forged, "POST", "/gateway/v1/heartbeat", BODY), "platform-1", "SIGNATURE_INVALID");
        // Another key, same node id.
        Map<String, String> otherKey = new NodeSigner("node-a", Ed25519Keys.generate())
                .headers("platform-1", "POST", "/gateway/v1/heartbeat", BODY, NOW.toEpochMilli());
        assertRefused(facts(otherKey, "POST", "/gateway/v1/heartbeat", BODY), "platform-1", "SIGNATURE_INVALID");
    }

    @Test
    void theNonceMustBeFreshAndWellFormed() {
        Map<String, String> old = signer.headers("p", "GET", "/x", null, NOW.minusSeconds(61).toEpochMilli());
        assertRefused(facts(old, "GET", "/x", null), "p", "NONCE_EXPIRED");
        Map<String, String> future = signer.headers("p", "GET", "/x", null, NOW.plusSeconds(31).toEpochMilli());
        assertRefused(facts(future, "GET", "/x", null), "p", "NONCE_IN_FUTURE");
        Map<String, String> malformed = new java.util.HashMap<>(signer.headers("p", "GET", "/x", null, NOW.toEpochMilli()));
        malformed.put(NodeRequest.NONCE_HEADER, "12345");
        assertRefused(facts(malformed, "GET", "/x", null), "p", "NONCE_MALFORMED");
    }

    @Test
    void missingOrMalformedHeadersAreRefusedBeforeAnyLookup() {
        assertThatThrownBy(() -> NodeRequestVerifier.claimedNode(new NodeRequestVerifier.Facts("GET", "/x", null, null, null, null)))
                .isInstanceOfSatisfying(NodeRequestVerifier.Refused.class, e -> assertThat(e.code()).isEqualTo("NODE_AUTH_REQUIRED"));
        assertThatThrownBy(() -> NodeRequestVerifier.claimedNode(new NodeRequestVerifier.Facts("GET", "/x", null, "../etc", "0x1", "s")))
                .isInstanceOfSatisfying(NodeRequestVerifier.Refused.class, e -> assertThat(e.code()).isEqualTo("NODE_MALFORMED"));
        Map<String, String> headers = new java.util.HashMap<>(signer.headers("p", "GET", "/x", null, NOW.toEpochMilli()));
        headers.put(NodeRequest.SIGNATURE_HEADER, "not base64 !");
        assertRefused(facts(headers, "GET", "/x", null), "p", "SIGNATURE_INVALID");
    }

    @Test
    void nonceOfOneSignerNeverRepeats() {
        Map<String, String> first = signer.headers("p", "GET", "/x", null);
        Map<String, String> second = signer.headers("p", "GET", "/x", null);
        assertThat(NodeRequest.nonceMillis(second.get(NodeRequest.NONCE_HEADER)))
                .isGreaterThan(NodeRequest.nonceMillis(first.get(NodeRequest.NONCE_HEADER)));
    }

    @Test
    void nodeIdsAreDnsLabels() {
        assertThat(NodeIds.wellFormed("local-box1")).isTrue();
        assertThat(NodeIds.wellFormed("e2e-node-1a2b3c4d")).isTrue();
        for (String bad : new String[] {null, "", "-a", "a-", "Node", "a.b", "a/b", "a_b", "x".repeat(64)}) {
            assertThat(NodeIds.wellFormed(bad)).as(String.valueOf(bad)).isFalse();
        }
    }

    void assertRefused(NodeRequestVerifier.Facts facts, String audience, String code) {
        assertThatThrownBy(() -> NodeRequestVerifier.verify(facts, keys.getPublic(), audience, NOW, MAX_AGE, SKEW))
                .isInstanceOfSatisfying(NodeRequestVerifier.Refused.class, e -> assertThat(e.code()).isEqualTo(code));
    }
}
