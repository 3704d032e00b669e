package io.deeploy.node;

import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * The gateway's pure check of a {@link NodeRequest}: headers well formed, nonce inside the window, signature by the
 * node's registered key over this request. The replay cache (a nonce once per node) is the gateway's, on top.
 */
public final class NodeRequestVerifier {

    private NodeRequestVerifier() {
    }

    /** What a request says about its sender; {@code target} is the raw path and query as received. */
    public record Facts(String method, String target, byte[] body, String nodeId, String nonce, String signature) {
    }

    /** A refusal: always a 401, with a stable code the agent can act on. */
    public static final class Refused extends RuntimeException {

        private final String code;

        public Refused(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /** The node id the request claims, checked for its form before anything is looked up by it. */
    public static String claimedNode(Facts facts) {
        if (facts.nodeId() == null || facts.nonce() == null || facts.signature() == null) {
            throw new Refused("NODE_AUTH_REQUIRED", "a node signs every request (headers " + NodeRequest.NODE_HEADER + ", "
                    + NodeRequest.NONCE_HEADER + ", " + NodeRequest.SIGNATURE_HEADER + ")");
        }
        if (!NodeIds.wellFormed(facts.nodeId())) {
            throw new Refused("NODE_MALFORMED", NodeRequest.NODE_HEADER + " is not a node id");
        }
        return facts.nodeId();
    }

    /** The nonce's milliseconds once every check passed; {@link Refused} otherwise. */
    public static long verify(Facts facts, PublicKey nodeKey, String audience, Instant now, Duration maxAge, Duration maxSkew) {
        String nodeId = claimedNode(facts);
        long nonceMillis;
        try {
            nonceMillis = NodeRequest.nonceMillis(facts.nonce());
        } catch (IllegalArgumentException e) {
            throw new Refused("NONCE_MALFORMED", NodeRequest.NONCE_HEADER + ": " + e.getMessage());
        }
        long age = now.toEpochMilli() - nonceMillis;
        if (age > maxAge.toMillis()) {
            throw new Refused("NONCE_EXPIRED", "the nonce is " + age / 1000 + " s old (at most " + maxAge.toSeconds()
                    + " s): sign the request again");
        }
        if (-age > maxSkew.toMillis()) {
            throw new Refused("NONCE_IN_FUTURE", "the nonce is " + -age / 1000 + " s ahead of the gateway's clock (at most "
                    + maxSkew.toSeconds() + " s): check the node's clock");
        }
        byte[] signature;
        try {
            signature = Base64.getUrlDecoder().decode(facts.signature());
        } catch (IllegalArgumentException e) {
            throw new Refused("SIGNATURE_INVALID", NodeRequest.SIGNATURE_HEADER + " is not base64url");
        }
        byte[] message = NodeRequest.message(audience, facts.method(), facts.target(), nodeId, facts.nonce(), facts.body());
        if (!Ed25519Keys.verify(nodeKey, message, signature)) {
            throw new Refused("SIGNATURE_INVALID", "the signature was not made by node " + nodeId + "'s registered key over "
                    + "this request (method, path, body, nonce and audience)");
        }
        return nonceMillis;
    }
}
