package io.deeploy.node;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The signature on every request a node sends to the node gateway. The node's Ed25519 key signs {@link #message}: the
 * method, the path and query, the platform's audience, the node id, a nonce and the SHA-256 of the exact body bytes, so
 * a signed request cannot be moved to another path, platform or node, nor carry another body. The nonce is the signing
 * time in milliseconds, 0x hex; the gateway accepts it within a short window and once per node.
 */
public final class NodeRequest {

    public static final String NODE_HEADER = "X-Deeploy-Node";
    public static final String NONCE_HEADER = "X-Deeploy-Node-Nonce";
    public static final String SIGNATURE_HEADER = "X-Deeploy-Node-Signature";
    public static final String PREAMBLE = "Deeploy node request v1";

    static final Pattern NONCE = Pattern.compile("0x[0-9a-f]{1,15}");

    private NodeRequest() {
    }

    /** The bytes the node signs; {@code target} is the raw path with its query. */
    public static byte[] message(String audience, String method, String target, String nodeId, String nonce, byte[] body) {
        String text = PREAMBLE + "\n"
                + method.toUpperCase(Locale.ROOT) + " " + target + "\n"
                + "audience: " + audience + "\n"
                + "node: " + nodeId + "\n"
                + "nonce: " + nonce + "\n"
                + "body-sha256: " + sha256Hex(body == null ? new byte[0] : body);
        return text.getBytes(StandardCharsets.UTF_8);
    }

    public static String nonceAt(long epochMillis) {
        return "0x" + Long.toHexString(epochMillis);
    }

    /** The milliseconds a nonce stands for; {@link IllegalArgumentException} if it is not 0x and 1-15 lower-case hex digits. */
    public static long nonceMillis(String nonce) {
        if (nonce == null || !NONCE.matcher(nonce).matches()) {
            throw new IllegalArgumentException("the nonce is the signing time in ms since the epoch as 0x-prefixed lower-case hex");
        }
        return Long.parseLong(nonce.substring(2), 16);
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
