package io.deeploy.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SignedRequestTest {

    /** anvil's well-known account #0: a published test key, never a real one. */
    static final String ANVIL_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    static final String ANVIL_ADDRESS = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

    @Test
    void theMessageBindsEveryPartOfTheRequest() {
        byte[] body = "{\"name\":\"demo\"}".getBytes(StandardCharsets.UTF_8);
        String message = SignedRequest.message("deeploy", "post", "/api/projects", "0x19ab", body);
        assertThat(message).isEqualTo("Please sign this Deeploy request:\n\n"
                + "Request type: POST /api/projects\n"
                + "Deeploy: deeploy\n"
                + "Nonce: 0x19ab\n"
                + "Body SHA-256: " + SignedRequest.sha256Hex(body));
        assertThat(SignedRequest.message("deeploy", "GET", "/x", "0x1", null))
                .endsWith("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void theSignerIsRecoveredFromItsSignature() {
        DeeployWallet wallet = DeeployWallet.fromPrivateKey(ANVIL_KEY);
        assertThat(wallet.address()).isEqualTo(ANVIL_ADDRESS);
        String message = SignedRequest.message("deeploy", "POST", "/api/projects", "0x19ab", new byte[0]);
        assertThat(SignedRequest.recoverSigner(message, wallet.sign(message))).isEqualTo(ANVIL_ADDRESS);

        DeeployWallet other = DeeployWallet.create();
        assertThat(SignedRequest.recoverSigner(message, other.sign(message))).isEqualTo(other.address());
    }

    /**
     * A signature made by another implementation (foundry's {@code cast wallet sign --private-key <anvil #0> <message>},
     * 1.7.1), so the message format and EIP-191 framing are checked against a real wallet, not only against ourselves.
     * Both use deterministic (RFC 6979) nonces, so our own signature must be the same bytes.
     */
    @Test
    void aSignatureFromFoundrysCastIsRecoveredAndReproduced() {
        String message = SignedRequest.message("deeploy", "POST", "/api/projects", "0x19ab", new byte[0]);
        String castSignature = "0x3429ac1c159ac93c9390f75a35568cef3b5e5355b84c4ba21b56e7d5f31986fd"
                + "1db693807524c9dc4a4266e883aa663a30b46ca3eab35cf101a7ae4820d478401c";
        assertThat(SignedRequest.recoverSigner(message, castSignature)).isEqualTo(ANVIL_ADDRESS);
        assertThat(DeeployWallet.fromPrivateKey(ANVIL_KEY).sign(message)).isEqualTo(castSignature);
    }

    @Test
    void aSignatureOverAnotherRequestRecoversSomeoneElse() {
        DeeployWallet wallet = DeeployWallet.create();
        String signed = SignedRequest.message("deeploy", "POST", "/api/projects", "0x19ab", "{\"name\":\"a\"}".getBytes());
        String signature = wallet.sign(signed);
        for (String changed : new String[] {
                SignedRequest.message("deeploy", "POST", "/api/projects", "0x19ab", "{\"name\":\"b\"}".getBytes()),
                SignedRequest.message("deeploy", "DELETE", "/api/projects", "0x19ab", "{\"name\":\"a\"}".getBytes()),
                SignedRequest.message("deeploy", "POST", "/api/projects?x=1", "0x19ab", "{\"name\":\"a\"}".getBytes()),
                SignedRequest.message("deeploy", "POST", "/api/projects", "0x19ac", "{\"name\":\"a\"}".getBytes()),
                SignedRequest.message("other", "POST", "/api/projects", "0x19ab", "{\"name\":\"a\"}".getBytes())}) {
            assertThat(SignedRequest.recoverSigner(changed, signature)).isNotEqualTo(wallet.address());
        }
    }

    @Test
    void vZeroAndOneAreAcceptedAsWellAs27And28() {
        DeeployWallet wallet = DeeployWallet.create();
        String message = "m";
        String signature = wallet.sign(message);
        int v = Integer.parseInt(signature.substring(130), 16);
        String raw = signature.substring(0, 130) + String.format("%02x", v - 27);
        assertThat(SignedRequest.recoverSigner(message, raw)).isEqualTo(wallet.address());
    }

    @Test
    void malformedAndNonCanonicalSignaturesAreRefused() {
        DeeployWallet wallet = DeeployWallet.create();
        String signature = wallet.sign("m");
        byte[] bytes = HexFormat.of().parseHex(signature.substring(2));
        BigInteger s = new BigInteger(1, java.util.Arrays.copyOfRange(bytes, 32, 64));
        byte[] high = SignedRequest.CURVE_ORDER.subtract(s).toByteArray();
        byte[] mirrored = bytes.clone();
        System.arraycopy(high, high.length - 32, mirrored, 32, 32);
        mirrored[64] = (byte) (mirrored[64] == 27 ? 28 : 27);
        String highS = "0x" + HexFormat.of().formatHex(mirrored);

        for (String bad : new String[] {null, "", "0x", signature.substring(2), signature + "00", signature.substring(0, 130),
                signature.substring(0, 130) + "1d", "0x" + "00".repeat(65), "0x" + "zz".repeat(65), highS}) {
            assertThatThrownBy(() -> SignedRequest.recoverSigner("m", bad)).as(String.valueOf(bad))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void noncesAndAddressesAreParsedStrictly() {
        assertThat(SignedRequest.nonceMillis(SignedRequest.nonceAt(1_763_900_000_123L))).isEqualTo(1_763_900_000_123L);
        assertThat(SignedRequest.nonceMillis("0x19AB")).isEqualTo(0x19ab);
        for (String bad : new String[] {null, "", "0x", "19ab", "0x-1", "0x1g", "0x" + "f".repeat(16), " 0x19ab"}) {
            assertThatThrownBy(() -> SignedRequest.nonceMillis(bad)).as(String.valueOf(bad))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(SignedRequest.normalizeAddress("0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266")).isEqualTo(ANVIL_ADDRESS);
        for (String bad : new String[] {null, "", "f39fd6e51aad88f6f4ce6ab8827279cfffb92266", "0x1234", ANVIL_ADDRESS + "0"}) {
            assertThatThrownBy(() -> SignedRequest.normalizeAddress(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aWalletSignsTheHeadersTheServerChecks() {
        DeeployWallet wallet = DeeployWallet.create();
        Map<String, String> headers = wallet.headers("deeploy", "POST", "/api/projects", "{}", 0x19abL);
        assertThat(headers).containsEntry(SignedRequest.SENDER_HEADER, wallet.address())
                .containsEntry(SignedRequest.NONCE_HEADER, "0x19ab");
        String message = SignedRequest.message("deeploy", "POST", "/api/projects", "0x19ab", "{}".getBytes());
        assertThat(SignedRequest.recoverSigner(message, headers.get(SignedRequest.SIGNATURE_HEADER))).isEqualTo(wallet.address());
        assertThat(wallet.toString()).doesNotContain(ANVIL_KEY.substring(2));
    }
}
