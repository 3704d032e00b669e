package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;

/**
 * A node operator registered a node, or changed its registration: from now on the node's agent proves who it is with
 * {@code publicKey} (an Ed25519 key, X.509 encoded, base64) at the node gateway; its apps are reached at
 * {@code address}; its earnings go to {@code payoutAddress}. {@code operator} is the wallet that signed the registration.
 */
public record NodeRegistered(String nodeId, String publicKey, String operator, String payoutAddress, String address)
        implements EventPayload {

    @Override
    public String key() {
        return nodeId;
    }
}
