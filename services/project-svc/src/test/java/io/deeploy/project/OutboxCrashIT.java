package io.deeploy.project;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.events.EventCodec;
import io.deeploy.events.Topics;
import io.deeploy.outbox.OutboxRelay;
import io.deeploy.outbox.testing.KafkaEvents;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The outbox against real PostgreSQL and Kafka, with the scheduled relay held back so the test decides when the
 * "process" publishes: a state change committed before a crash is published after the restart, and a crash after the
 * broker took the event but before the row was marked publishes it again with the same id (which consumers absorb).
 */
@QuarkusTest
@TestProfile(OutboxCrashIT.RelayHeldBack.class)
class OutboxCrashIT {

    public static class RelayHeldBack implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("deeploy.outbox.relay-enabled", "false");
        }
    }

    @Inject
    Pool pool;

    @Inject
    OutboxRelay relay;

    @Test
    void aCommittedEventSurvivesACrashBeforePublishAndIsPublishedOnceAfterRestart() throws Exception {
        io.deeploy.signing.DeeployWallet owner = io.deeploy.signing.DeeployWallet.create();
        String projectId = JobApiIT.newProject(owner);
        String jobId = JobApiIT.postJob(owner, projectId, JobApiIT.warJob("crash-" + UUID.randomUUID().toString().substring(0, 8)),
                UUID.randomUUID().toString()).statusCode(201).extract().path("id");

        // Committed with the job, not yet on Kafka: the process "dies" here.
        Row pending = outboxRow(jobId);
        assertThat(pending.getOffsetDateTime("published_at")).isNull();
        try (KafkaEvents kafka = KafkaEvents.fromEnvironment()) {
            assertThat(kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId)).isEmpty();

            // Restart: the relay's first pass publishes what the previous run committed.
            drain();
            assertThat(outboxRow(jobId).getOffsetDateTime("published_at")).isNotNull();
            var published = kafka.records(Topics.JOB_COMMANDS, r -> jobId.equals(r.key()));
            assertThat(published).hasSize(1);
            assertThat(EventCodec.decode(published.get(0).value()).id()).isEqualTo(pending.getUUID("id"));
            assertThat(new String(published.get(0).headers().lastHeader("deeploy-event-id").value()))
                    .isEqualTo(pending.getUUID("id").toString());

            // Nothing pending: another pass publishes nothing more.
            drain();
            assertThat(kafka.records(Topics.JOB_COMMANDS, r -> jobId.equals(r.key()))).hasSize(1);

            // A crash after the broker's ack but before the mark: the event goes out again, with the same id.
            pool.preparedQuery("UPDATE outbox_event SET published_at = NULL WHERE id = $1")
                    .execute(Tuple.of(pending.getUUID("id"))).await().atMost(Duration.ofSeconds(5));
            drain();
            var twice = kafka.records(Topics.JOB_COMMANDS, r -> jobId.equals(r.key()));
            assertThat(twice).hasSize(2);
            assertThat(twice).extracting(r -> EventCodec.decode(r.value()).id()).containsOnly(pending.getUUID("id"));
        }
    }

    private void drain() {
        while (relay.relayPending().await().atMost(Duration.ofSeconds(30)) > 0) {
            // keep relaying until the backlog (including other tests' rows) is empty
        }
    }

    private Row outboxRow(String jobId) {
        var rows = pool.preparedQuery("SELECT id, published_at FROM outbox_event WHERE event_key = $1 AND event_type = 'JobRequested'")
                .execute(Tuple.of(jobId)).await().atMost(Duration.ofSeconds(5));
        assertThat(rows.size()).isEqualTo(1);
        return rows.iterator().next();
    }
}
