package io.deeploy.node;

import java.security.KeyPair;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** The agent's side of {@link NodeRequest}: signs each request it sends with the node's key and a nonce never used before. */
public final class NodeSigner {

    private final String nodeId;
    private final KeyPair keys;
    /** The gateway accepts a nonce once: two requests in one millisecond need two. */
    private final AtomicLong lastNonce = new AtomicLong();

    public NodeSigner(String nodeId, KeyPair keys) {
        this.nodeId = NodeIds.checked(nodeId);
        this.keys = keys;
    }

    public String nodeId() {
        return nodeId;
    }

    public String publicKey() {
        return Ed25519Keys.encode(keys.getPublic());
    }

    /** The three headers of a request to {@code audience}'s gateway, signed now. */
    public Map<String, String> headers(String audience, String method, String target, byte[] body) {
        long now = System.currentTimeMillis();
        return headers(audience, method, target, body, lastNonce.updateAndGet(last -> Math.max(now, last + 1)));
    }

    public Map<String, String> headers(String audience, String method, String target, byte[] body, long epochMillis) {
        String nonce = NodeRequest.nonceAt(epochMillis);
        byte[] signature = Ed25519Keys.sign(keys.getPrivate(), NodeRequest.message(audience, method, target, nodeId, nonce, body));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(NodeRequest.NODE_HEADER, nodeId);
        headers.put(NodeRequest.NONCE_HEADER, nonce);
        headers.put(NodeRequest.SIGNATURE_HEADER, Base64.getUrlEncoder().withoutPadding().encodeToString(signature));
        return headers;
    }
}
