package io.deeploy.signing;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SignatureException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/**
 * The Deeploy API's request signature, shared by project-svc (which checks it) and clients (which make it).
 *
 * <p>A state-changing (or reading) request names its sender, a nonce and a signature in three headers. The signature
 * is an EIP-191 {@code personal_sign} by the sender's wallet over {@link #message}: a short text a wallet can show,
 * like the seed's v3 scheme ("Please sign this Deeploy request:" then the request's particulars), which binds the
 * method, the path and query, the deployment (audience), the nonce and the SHA-256 of the exact body bytes. Hashing the
 * raw bytes rather than a re-serialised JSON leaves nothing for client and server to canonicalise differently.
 *
 * <p>The nonce is the signing time in milliseconds since the epoch, in hex with a {@code 0x} prefix, as in the seed; the
 * server accepts it within a window and only once per sender.
 */
public final class SignedRequest {

    public static final String SENDER_HEADER = "X-Deeploy-Sender";
    public static final String NONCE_HEADER = "X-Deeploy-Nonce";
    public static final String SIGNATURE_HEADER = "X-Deeploy-Signature";
    public static final String PREAMBLE = "Please sign this Deeploy request:";

    static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");
    static final Pattern NONCE = Pattern.compile("0x[0-9a-fA-F]{1,15}");
    static final Pattern SIGNATURE = Pattern.compile("0x[0-9a-fA-F]{130}");
    /** secp256k1's group order; a valid r and s lie in [1, n), and a canonical s in [1, n/2] (EIP-2). */
    static final BigInteger CURVE_ORDER = Sign.CURVE_PARAMS.getN();
    static final BigInteger HALF_CURVE_ORDER = CURVE_ORDER.shiftRight(1);

    private SignedRequest() {
    }

    /** The text the wallet signs. {@code target} is the raw path with its query ({@code /api/x?y=z}). */
    public static String message(String audience, String method, String target, String nonce, byte[] body) {
        return PREAMBLE + "\n\n"
                + "Request type: " + method.toUpperCase(Locale.ROOT) + " " + target + "\n"
                + "Deeploy: " + audience + "\n"
                + "Nonce: " + nonce + "\n"
                + "Body SHA-256: " + sha256Hex(body == null ? new byte[0] : body);
    }

    public static String nonceAt(long epochMillis) {
        return "0x" + Long.toHexString(epochMillis);
    }

    /** The milliseconds a nonce stands for; {@link IllegalArgumentException} if it is not {@code 0x} and 1-15 hex digits. */
    public static long nonceMillis(String nonce) {
        if (nonce == null || !NONCE.matcher(nonce).matches()) {
            throw new IllegalArgumentException("the nonce is the signing time in ms since the epoch as 0x-prefixed hex");
        }
        return Long.parseLong(nonce.substring(2), 16);
    }

    /** The lower-case 0x address, or {@link IllegalArgumentException} if {@code address} is not 20 bytes of hex. */
    public static String normalizeAddress(String address) {
        if (address == null || !ADDRESS.matcher(address).matches()) {
            throw new IllegalArgumentException("an address is 0x and 40 hex digits");
        }
        return address.toLowerCase(Locale.ROOT);
    }

    /**
     * The lower-case 0x address whose key made {@code signature} (65 bytes r, s, v as 0x hex; v 27/28 or 0/1) over
     * {@code message} as an EIP-191 personal message.
     *
     * @throws IllegalArgumentException if the signature is malformed, not canonical, or recovers no key
     */
    public static String recoverSigner(String message, String signature) {
        if (signature == null || !SIGNATURE.matcher(signature).matches()) {
            throw new IllegalArgumentException("a signature is 0x and 130 hex digits (r, s and v)");
        }
        byte[] bytes = HexFormat.of().parseHex(signature.substring(2));
        byte[] r = java.util.Arrays.copyOfRange(bytes, 0, 32);
        byte[] s = java.util.Arrays.copyOfRange(bytes, 32, 64);
        int v = bytes[64] & 0xff;
        if (v < 27) {
            v += 27;
        }
        if (v != 27 && v != 28) {
            throw new IllegalArgumentException("the signature's v is not 27, 28, 0 or 1");
        }
        BigInteger rValue = new BigInteger(1, r);
        BigInteger sValue = new BigInteger(1, s);
        // A high s is the same signature mirrored; wallets never make one, so accepting it would only help a forger
        // present one signed request as two different signatures.
        if (rValue.signum() == 0 || rValue.compareTo(CURVE_ORDER) >= 0 || sValue.signum() == 0
                || sValue.compareTo(HALF_CURVE_ORDER) > 0) {
            throw new IllegalArgumentException("the signature's r or s is out of range (s must be canonical, low)");
        }
        try {
            BigInteger publicKey = Sign.signedPrefixedMessageToKey(message.getBytes(StandardCharsets.UTF_8),
                    new Sign.SignatureData((byte) v, r, s));
            return "0x" + Keys.getAddress(publicKey).toLowerCase(Locale.ROOT);
        } catch (SignatureException | RuntimeException e) {
            throw new IllegalArgumentException("no public key can be recovered from the signature");
        }
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
