package io.deeploy.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LogGrantTest {

    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    final KeyPair platform = Ed25519Keys.generate();

    @Test
    void aGrantOpensItsJobUntilItExpires() {
        String grant = LogGrant.issue(platform.getPrivate(), "job-1", NOW.plusSeconds(60));
        assertThat(LogGrant.permits(platform.getPublic(), grant, "job-1", NOW)).isTrue();
        assertThat(LogGrant.permits(platform.getPublic(), grant, "job-1", NOW.plusSeconds(59))).isTrue();
        assertThat(LogGrant.permits(platform.getPublic(), grant, "job-1", NOW.plusSeconds(60))).isFalse();
    }

    @Test
    void aGrantOpensNoOtherJobAndOnlyThePlatformsKeyMakesOne() {
        String grant = LogGrant.issue(platform.getPrivate(), "job-1", NOW.plusSeconds(60));
        assertThat(LogGrant.permits(platform.getPublic(), grant, "job-2", NOW)).isFalse();
        // A node (or anyone) with a key of its own cannot mint a grant the node's agents accept.
        String minted = LogGrant.issue(Ed25519Keys.generate().getPrivate(), "job-1", NOW.plusSeconds(60));
        assertThat(LogGrant.permits(platform.getPublic(), minted, "job-1", NOW)).isFalse();
        assertThat(LogGrant.permits(null, grant, "job-1", NOW)).isFalse();
    }

    @Test
    void aTamperedGrantIsRefused() {
        String grant = LogGrant.issue(platform.getPrivate(), "job-1", NOW.plusSeconds(60));
        String[] parts = grant.split("\\.");
        String laterExpiry = parts[0] + "." + parts[1] + "." + (Long.parseLong(parts[2]) + 3600) + "." + parts[3];
        String otherJob = parts[0] + ".job-2." + parts[2] + "." + parts[3];
        assertThat(LogGrant.permits(platform.getPublic(), laterExpiry, "job-1", NOW)).isFalse();
        assertThat(LogGrant.permits(platform.getPublic(), otherJob, "job-2", NOW)).isFalse();
        for (String malformed : new String[] {null, "", "dlg2", "dlg2.job-1.x.y", "dlg1.job-1.1.abc", grant + ".extra"}) {
            assertThat(LogGrant.permits(platform.getPublic(), malformed, "job-1", NOW)).as(String.valueOf(malformed)).isFalse();
        }
        assertThatThrownBy(() -> LogGrant.issue(platform.getPrivate(), "a.b", NOW)).isInstanceOf(IllegalArgumentException.class);
    }
}
