package io.deeploy.builder.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.events.LogGrant;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LogAccessTest {

    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    static final Optional<String> TOKEN = Optional.of("node-token");

    @Test
    void aGrantForTheJobUnderThisNodesTokenOpensItsLogsUntilItExpires() {
        String grant = LogGrant.issue("node-token", "job-1", NOW.plusSeconds(300));
        assertThat(LogResource.refusal(TOKEN, "Bearer " + grant, "job-1", NOW)).isNull();
        assertThat(LogResource.refusal(TOKEN, "bearer " + grant, "job-1", NOW)).isNull();
        assertRefused(LogResource.refusal(TOKEN, "Bearer " + grant, "job-1", NOW.plusSeconds(300)), "LOG_GRANT_INVALID");
    }

    @Test
    void noGrantIsMissingAndAnythingButAValidOneIsInvalid() {
        assertRefused(LogResource.refusal(TOKEN, null, "job-1", NOW), "LOG_GRANT_MISSING");
        assertRefused(LogResource.refusal(TOKEN, " ", "job-1", NOW), "LOG_GRANT_MISSING");
        String grant = LogGrant.issue("node-token", "job-1", NOW.plusSeconds(300));
        assertRefused(LogResource.refusal(TOKEN, "Bearer " + grant, "job-2", NOW), "LOG_GRANT_INVALID");
        assertRefused(LogResource.refusal(TOKEN, grant, "job-1", NOW), "LOG_GRANT_INVALID");
        assertRefused(LogResource.refusal(TOKEN, "Basic " + grant, "job-1", NOW), "LOG_GRANT_INVALID");
        assertRefused(LogResource.refusal(TOKEN, "Bearer node-token", "job-1", NOW), "LOG_GRANT_INVALID");
        String otherDeployment = LogGrant.issue("another-token", "job-1", NOW.plusSeconds(300));
        assertRefused(LogResource.refusal(TOKEN, "Bearer " + otherDeployment, "job-1", NOW), "LOG_GRANT_INVALID");
    }

    @Test
    void aNodeWithoutATokenRefusesEveryGrant() {
        String grant = LogGrant.issue("node-token", "job-1", NOW.plusSeconds(300));
        assertRefused(LogResource.refusal(Optional.empty(), "Bearer " + grant, "job-1", NOW), "LOG_GRANT_INVALID");
        assertRefused(LogResource.refusal(Optional.empty(), null, "job-1", NOW), "LOG_GRANT_MISSING");
    }

    @Test
    void theRefusalNeverEchoesTheGrant() {
        String grant = LogGrant.issue("node-token", "job-1", NOW.plusSeconds(300));
        Response refused = LogResource.refusal(TOKEN, "Bearer " + grant, "job-2", NOW);
        assertThat(refused.getEntity().toString()).doesNotContain(grant).doesNotContain(grant.substring(grant.lastIndexOf('.') + 1));
    }

    private static void assertRefused(Response response, String code) {
        assertThat(response).isNotNull();
        assertThat(response.getStatus()).isEqualTo(401);
        assertThat(response.getHeaderString("WWW-Authenticate")).startsWith("Bearer");
        @SuppressWarnings("unchecked")
        Map<String, String> body = (Map<String, String>) response.getEntity();
        assertThat(body).containsEntry("code", code).containsKey("message");
    }
}
