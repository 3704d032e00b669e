package io.deeploy.builder.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.events.ApiError;
import io.deeploy.node.Ed25519Keys;
import io.deeploy.node.LogGrant;
import java.security.KeyPair;
import java.security.PublicKey;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LogAccessTest {

    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    static final KeyPair PLATFORM = Ed25519Keys.generate();
    static final PublicKey TOKEN = PLATFORM.getPublic();

    @Test
    void aGrantForTheJobSignedByThePlatformOpensItsLogsUntilItExpires() {
        String grant = LogGrant.issue(PLATFORM.getPrivate(), "job-1", NOW.plusSeconds(300));
        assertThat(LogResource.refusal(TOKEN, "Bearer " + grant, "job-1", NOW)).isNull();
        assertThat(LogResource.refusal(TOKEN, "bearer " + grant, "job-1", NOW)).isNull();
        assertRefused(LogResource.refusal(TOKEN, "Bearer " + grant, "job-1", NOW.plusSeconds(300)), "LOG_GRANT_INVALID");
    }

    @Test
    void noGrantIsMissingAndAnythingButAValidOneIsInvalid() {
        assertRefused(LogResource.refusal(TOKEN, null, "job-1", NOW), "LOG_GRANT_MISSING");
        assertRefused(LogResource.refusal(TOKEN, " ", "job-1", NOW), "LOG_GRANT_MISSING");
        String grant = LogGrant.issue(PLATFORM.getPrivate(), "job-1", NOW.plusSeconds(300));
        assertRefused(LogResource.refusal(TOKEN, "Bearer " + grant, "job-2", NOW), "LOG_GRANT_INVALID");
        assertRefused(LogResource.refusal(TOKEN, grant, "job-1", NOW), "LOG_GRANT_INVALID");
        assertRefused(LogResource.refusal(TOKEN, "Basic " + grant, "job-1", NOW), "LOG_GRANT_INVALID");
        assertRefused(LogResource.refusal(TOKEN, "Bearer " + Ed25519Keys.encode(TOKEN), "job-1", NOW), "LOG_GRANT_INVALID");
        String otherDeployment = LogGrant.issue(Ed25519Keys.generate().getPrivate(), "job-1", NOW.plusSeconds(300));
        assertRefused(LogResource.refusal(TOKEN, "Bearer " + otherDeployment, "job-1", NOW), "LOG_GRANT_INVALID");
    }

    @Test
    void aNodeThatDoesNotKnowThePlatformsKeyRefusesEveryGrant() {
        String grant = LogGrant.issue(PLATFORM.getPrivate(), "job-1", NOW.plusSeconds(300));
        assertRefused(LogResource.refusal(null, "Bearer " + grant, "job-1", NOW), "LOG_GRANT_INVALID");
        assertRefused(LogResource.refusal(null, null, "job-1", NOW), "LOG_GRANT_MISSING");
    }

    @Test
    void theRefusalNeverEchoesTheGrant() {
        String grant = LogGrant.issue(PLATFORM.getPrivate(), "job-1", NOW.plusSeconds(300));
        Response refused = LogResource.refusal(TOKEN, "Bearer " + grant, "job-2", NOW);
        assertThat(refused.getEntity().toString()).doesNotContain(grant).doesNotContain(grant.substring(grant.lastIndexOf('.') + 1));
    }

    private static void assertRefused(Response response, String code) {
        assertThat(response).isNotNull();
        assertThat(response.getStatus()).isEqualTo(401);
        assertThat(response.getHeaderString("WWW-Authenticate")).startsWith("Bearer");
        ApiError body = (ApiError) response.getEntity();
        assertThat(body.code()).isEqualTo(code);
        assertThat(body.message()).isNotBlank();
    }
}
