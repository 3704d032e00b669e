package io.deeploy.scheduler.service;

import io.deeploy.events.payload.NodeStatus;
import io.deeploy.node.NodeRequestVerifier;
import io.deeploy.scheduler.config.GatewayConfig;
import io.deeploy.signing.Audience;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/**
 * Proves which node sent a gateway request: its registered key signed this exact request, with a nonce that is fresh,
 * signed since the gateway started, and not used before. The node id every later step uses is the one proven here,
 * never one a body names. A blacklisted node is refused after it proved who it is.
 */
@ApplicationScoped
public class NodeAuthenticator {

    private final NodeIdentities identities;
    private final GatewayConfig config;
    private final String audience;
    private final NonceCache nonces;

    public NodeAuthenticator(NodeIdentities identities, GatewayConfig config, Audience audience) {
        this.audience = audience.value();
        this.identities = identities;
        this.config = config;
        this.nonces = new NonceCache(config.nonceMaxAge(), Instant.now());
    }

    /** A node that proved who it is. */
    public record AuthenticatedNode(String nodeId, String address, NodeStatus status) {
    }

    public Uni<AuthenticatedNode> authenticate(NodeRequestVerifier.Facts facts) {
        String nodeId;
        try {
            nodeId = NodeRequestVerifier.claimedNode(facts);
        } catch (NodeRequestVerifier.Refused e) {
            return Uni.createFrom().failure(GatewayException.unauthorized(e.code(), e.getMessage()));
        }
        return identities.find(nodeId).map(known -> {
            if (known == null) {
                throw GatewayException.unauthorized("NODE_UNKNOWN", "node " + nodeId + " is not registered: its operator "
                        + "registers it, with its public key, at POST /api/nodes");
            }
            Instant now = Instant.now();
            long nonceMillis;
            try {
                nonceMillis = NodeRequestVerifier.verify(facts, known.publicKey(), audience, now, config.nonceMaxAge(),
                        config.maxClockSkew());
            } catch (NodeRequestVerifier.Refused e) {
                throw GatewayException.unauthorized(e.code(), e.getMessage());
            }
            if (!nonces.signedSinceStart(nonceMillis)) {
                throw GatewayException.unauthorized("NONCE_EXPIRED", "the request was signed before the gateway started: "
                        + "sign it again");
            }
            if (!nonces.claim(nodeId, nonceMillis, now)) {
                throw GatewayException.unauthorized("NONCE_REPLAYED", "node " + nodeId + " already used this nonce: every "
                        + "request needs a new one");
            }
            if (known.status() == NodeStatus.BLACKLISTED) {
                throw new GatewayException(403, "NODE_BLACKLISTED", "node " + nodeId + " is blacklisted by the platform");
            }
            return new AuthenticatedNode(nodeId, known.address(), known.status());
        });
    }
}
