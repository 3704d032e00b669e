package io.deeploy.signing;

import java.nio.charset.StandardCharsets;
import java.security.InvalidAlgorithmParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/**
 * A client's wallet that signs Deeploy API requests ({@link SignedRequest}): what tests, scripts and the e2e suite use
 * in place of a browser wallet. Holds a private key, so it never prints it.
 */
public final class DeeployWallet {

    private final ECKeyPair keys;
    private final String address;
    /** The last nonce used: the server accepts a nonce once, so two requests in one millisecond need two. */
    private final AtomicLong lastNonce = new AtomicLong();

    private DeeployWallet(ECKeyPair keys) {
        this.keys = keys;
        this.address = "0x" + Keys.getAddress(keys.getPublicKey()).toLowerCase(Locale.ROOT);
    }

    /** A new random wallet. */
    public static DeeployWallet create() {
        try {
            return new DeeployWallet(Keys.createEcKeyPair());
        } catch (InvalidAlgorithmParameterException | NoSuchAlgorithmException | NoSuchProviderException e) {
            throw new IllegalStateException("cannot create a key pair", e);
        }
    }

    public static DeeployWallet fromPrivateKey(String hex) {
        return new DeeployWallet(Credentials.create(hex).getEcKeyPair());
    }

    /** Lower-case 0x address. */
    public String address() {
        return address;
    }

    /** Signs {@code message} as an EIP-191 personal message; 0x hex of r, s and v (27/28). */
    public String sign(String message) {
        Sign.SignatureData signature = Sign.signPrefixedMessage(message.getBytes(StandardCharsets.UTF_8), keys);
        byte[] bytes = new byte[65];
        System.arraycopy(signature.getR(), 0, bytes, 0, 32);
        System.arraycopy(signature.getS(), 0, bytes, 32, 32);
        bytes[64] = signature.getV()[0];
        return "0x" + HexFormat.of().formatHex(bytes);
    }

    /** The three headers of a request signed now, with a nonce this wallet has not used before. */
    public Map<String, String> headers(String audience, String method, String target, String body) {
        long now = System.currentTimeMillis();
        return headers(audience, method, target, body, lastNonce.updateAndGet(last -> Math.max(now, last + 1)));
    }

    public Map<String, String> headers(String audience, String method, String target, String body, long epochMillis) {
        String nonce = SignedRequest.nonceAt(epochMillis);
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(SignedRequest.SENDER_HEADER, address);
        headers.put(SignedRequest.NONCE_HEADER, nonce);
        headers.put(SignedRequest.SIGNATURE_HEADER, sign(SignedRequest.message(audience, method, target, nonce, bytes)));
        return headers;
    }

    @Override
    public String toString() {
        return "DeeployWallet[" + address + "]";
    }
}
