package io.deeploy.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class LogGrantTest {

    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

    @Test
    void aGrantOpensItsJobUntilItExpires() {
        String grant = LogGrant.issue("node-token", "job-1", NOW.plusSeconds(60));
        assertThat(LogGrant.permits("node-token", grant, "job-1", NOW)).isTrue();
        assertThat(LogGrant.permits("node-token", grant, "job-1", NOW.plusSeconds(59))).isTrue();
        assertThat(LogGrant.permits("node-token", grant, "job-1", NOW.plusSeconds(60))).isFalse();
    }

    @Test
    void aGrantOpensNoOtherJobAndNeedsTheSameNodeToken() {
        String grant = LogGrant.issue("node-token", "job-1", NOW.plusSeconds(60));
        assertThat(LogGrant.permits("node-token", grant, "job-2", NOW)).isFalse();
        assertThat(LogGrant.permits("other-token", grant, "job-1", NOW)).isFalse();
        assertThat(LogGrant.permits("", grant, "job-1", NOW)).isFalse();
    }

    @Test
    void aTamperedGrantIsRefused() {
        String grant = LogGrant.issue("node-token", "job-1", NOW.plusSeconds(60));
        String[] parts = grant.split("\\.");
        String laterExpiry = parts[0] + "." + parts[1] + "." + (Long.parseLong(parts[2]) + 3600) + "." + parts[3];
        String otherJob = parts[0] + ".job-2." + parts[2] + "." + parts[3];
        assertThat(LogGrant.permits("node-token", laterExpiry, "job-1", NOW)).isFalse();
        assertThat(LogGrant.permits("node-token", otherJob, "job-2", NOW)).isFalse();
        for (String malformed : new String[] {null, "", "dlg1", "dlg1.job-1.x.y", "dlg2.job-1.1.abc", grant + ".extra"}) {
            assertThat(LogGrant.permits("node-token", malformed, "job-1", NOW)).as(String.valueOf(malformed)).isFalse();
        }
        assertThatThrownBy(() -> LogGrant.issue("node-token", "a.b", NOW)).isInstanceOf(IllegalArgumentException.class);
    }
}
