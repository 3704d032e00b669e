package io.deeploy.project.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.deeploy.project.service.Authenticator.RequestFacts;
import io.deeploy.signing.DeeployWallet;
import io.deeploy.signing.SignedRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The signature check without a database: each refusal has its own code; the replay cache is covered by AccessIT. */
class AuthenticatorTest {

    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    static final Duration MAX_AGE = Duration.ofMinutes(10);
    static final Duration SKEW = Duration.ofSeconds(30);
    static final String BODY = "{\"name\":\"demo\"}";

    final DeeployWallet wallet = DeeployWallet.create();

    RequestFacts signedAt(Instant at, String method, String target, String body) {
        Map<String, String> headers = wallet.headers("deeploy", method, target, body, at.toEpochMilli());
        return new RequestFacts(method, target, body.getBytes(StandardCharsets.UTF_8), null,
                headers.get(SignedRequest.SENDER_HEADER), headers.get(SignedRequest.NONCE_HEADER),
                headers.get(SignedRequest.SIGNATURE_HEADER));
    }

    static String refusal(RequestFacts request) {
        ApiException e = catchThrowableOfType(ApiException.class,
                () -> Authenticator.verify(request, "deeploy", NOW, MAX_AGE, SKEW));
        assertThat(e).as("refused").isNotNull();
        assertThat(e.status()).isEqualTo(401);
        return e.code();
    }

    @Test
    void aFreshSignatureNamesItsSenderAndNonce() {
        Authenticator.Verified verified = Authenticator.verify(signedAt(NOW.minusSeconds(5), "POST", "/api/projects", BODY),
                "deeploy", NOW, MAX_AGE, SKEW);
        assertThat(verified.sender()).isEqualTo(wallet.address());
        assertThat(verified.nonceMillis()).isEqualTo(NOW.minusSeconds(5).toEpochMilli());
        // Inside the allowed skew, a nonce a little ahead of the server's clock passes.
        Authenticator.verify(signedAt(NOW.plusSeconds(20), "POST", "/api/projects", BODY), "deeploy", NOW, MAX_AGE, SKEW);
    }

    @Test
    void expiredAndFutureNoncesAreRefused() {
        assertThat(refusal(signedAt(NOW.minus(MAX_AGE).minusSeconds(1), "POST", "/api/projects", BODY))).isEqualTo("NONCE_EXPIRED");
        assertThat(refusal(signedAt(NOW.plusSeconds(31), "POST", "/api/projects", BODY))).isEqualTo("NONCE_IN_FUTURE");
    }

    @Test
    void aSignatureOverAnotherRequestOrByAnotherWalletIsForged() {
        RequestFacts signed = signedAt(NOW, "POST", "/api/projects", BODY);
        RequestFacts otherBody = new RequestFacts("POST", "/api/projects", "{\"name\":\"evil\"}".getBytes(StandardCharsets.UTF_8),
                null, signed.sender(), signed.nonce(), signed.signature());
        RequestFacts otherPath = new RequestFacts("POST", "/api/projects/prj-1/jobs", signed.body(), null, signed.sender(),
                signed.nonce(), signed.signature());
        RequestFacts otherMethod = new RequestFacts("DELETE", "/api/projects", signed.body(), null, signed.sender(),
                signed.nonce(), signed.signature());
        RequestFacts otherNonce = new RequestFacts("POST", "/api/projects", signed.body(), null, signed.sender(),
                SignedRequest.nonceAt(NOW.toEpochMilli() - 1), signed.signature());
        RequestFacts claimsSomeoneElse = new RequestFacts("POST", "/api/projects", signed.body(), null,
                DeeployWallet.create().address(), signed.nonce(), signed.signature());
        for (RequestFacts forged : new RequestFacts[] {otherBody, otherPath, otherMethod, otherNonce, claimsSomeoneElse}) {
            assertThat(refusal(forged)).isEqualTo("SIGNATURE_INVALID");
        }
        ApiException otherAudience = catchThrowableOfType(ApiException.class,
                () -> Authenticator.verify(signed, "another-deeploy", NOW, MAX_AGE, SKEW));
        assertThat(otherAudience.code()).isEqualTo("SIGNATURE_INVALID");
    }

    @Test
    void missingAndMalformedHeadersHaveTheirOwnCodes() {
        RequestFacts signed = signedAt(NOW, "POST", "/api/projects", BODY);
        assertThat(refusal(new RequestFacts("POST", "/api/projects", signed.body(), null, null, null, null))).isEqualTo("AUTH_REQUIRED");
        assertThat(refusal(new RequestFacts("POST", "/api/projects", signed.body(), null, signed.sender(), signed.nonce(), null)))
                .isEqualTo("AUTH_REQUIRED");
        assertThat(refusal(new RequestFacts("POST", "/api/projects", signed.body(), null, "0x1234", signed.nonce(),
                signed.signature()))).isEqualTo("SENDER_MALFORMED");
        assertThat(refusal(new RequestFacts("POST", "/api/projects", signed.body(), null, signed.sender(), "1763900000000",
                signed.signature()))).isEqualTo("NONCE_MALFORMED");
        assertThat(refusal(new RequestFacts("POST", "/api/projects", signed.body(), null, signed.sender(), signed.nonce(),
                "0xdeadbeef"))).isEqualTo("SIGNATURE_MALFORMED");
    }
}
