package io.deeploy.outbox;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * Publishes committed outbox rows to Kafka and marks them published. Delivery is at least once: a crash after the
 * broker acknowledged but before the row was marked publishes the event again, which idempotent consumers absorb.
 * One relay per database runs at a time (a transaction-scoped advisory lock), so events leave in {@code seq} order
 * even with several service instances.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    /** Arbitrary constant naming the relay's advisory lock. */
    private static final long RELAY_LOCK = 0x6465_6570_6c6f_7931L;

    private static final String PENDING = "SELECT id, topic, event_key, event_type, payload FROM outbox_event "
            + "WHERE published_at IS NULL ORDER BY seq LIMIT $1";
    private static final String MARK_PUBLISHED = "UPDATE outbox_event SET published_at = now(), attempts = attempts + 1 "
            + "WHERE id = ANY($1)";
    private static final String MARK_FAILED = "UPDATE outbox_event SET attempts = attempts + 1, last_error = $2 "
            + "WHERE id = ANY($1)";

    private final Pool pool;
    private final MutinyEmitter<String> emitter;
    private final OutboxConfig config;
    private final Counter published;
    private final Counter failed;
    private final AtomicBoolean passRunning = new AtomicBoolean();
    private Vertx vertx;
    private long timerId;

    @Inject
    public OutboxRelay(Pool pool, @Channel("deeploy-outbox") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
            MutinyEmitter<String> emitter, OutboxConfig config, MeterRegistry registry) {
        this.pool = pool;
        this.emitter = emitter;
        this.config = config;
        this.published = registry.counter("deeploy.outbox.published");
        this.failed = registry.counter("deeploy.outbox.publish.failures");
    }

    /**
     * Starts the relay loop once the application (and so the messaging wiring) is up. A Vert.x timer rather than the
     * Quarkus scheduler, whose one-second tick would add up to a second to every hop of a deployment.
     */
    void start(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 1000) StartupEvent startup, Vertx vertx) {
        if (!config.relayEnabled()) {
            LOG.info("outbox relay disabled (deeploy.outbox.relay-enabled=false)");
            return;
        }
        this.vertx = vertx;
        timerId = vertx.setPeriodic(config.pollInterval().toMillis(), timer -> {
            if (passRunning.compareAndSet(false, true)) {
                relayPending()
                        .onFailure().invoke(e -> LOG.warnf("outbox relay pass failed, will retry: %s", e.getMessage()))
                        .onFailure().recoverWithItem(0)
                        .subscribe().with(ignored -> passRunning.set(false));
            }
        });
    }

    void stop(@Observes ShutdownEvent shutdown) {
        if (vertx != null) {
            vertx.cancelTimer(timerId);
        }
    }

    /**
     * One relay pass: publishes up to a batch of pending events in order and returns how many were published. Returns 0
     * when another instance holds the relay lock.
     */
    public Uni<Integer> relayPending() {
        return pool.withTransaction(connection -> connection.preparedQuery("SELECT pg_try_advisory_xact_lock($1) AS locked")
                .execute(Tuple.of(RELAY_LOCK))
                .chain(lock -> lock.iterator().next().getBoolean("locked")
                        ? publishBatch(connection)
                        : Uni.createFrom().item(0)));
    }

    private Uni<Integer> publishBatch(SqlConnection connection) {
        return connection.preparedQuery(PENDING).execute(Tuple.of(config.batchSize())).chain(rows -> {
            if (rows.size() == 0) {
                return Uni.createFrom().item(0);
            }
            List<Uni<SendOutcome>> sends = new ArrayList<>(rows.size());
            for (Row row : rows) {
                sends.add(send(row));
            }
            // The sends are subscribed in seq order and run together; the idempotent producer keeps that order per partition.
            return Uni.join().all(sends).andFailFast().chain(outcomes -> record(connection, outcomes));
        });
    }

    private Uni<SendOutcome> send(Row row) {
        UUID id = row.getUUID("id");
        RecordHeaders headers = new RecordHeaders();
        headers.add("deeploy-event-id", id.toString().getBytes(StandardCharsets.UTF_8));
        headers.add("deeploy-event-type", row.getString("event_type").getBytes(StandardCharsets.UTF_8));
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(row.getString("topic"))
                .withKey(row.getString("event_key"))
                .withHeaders(headers)
                .build();
        return emitter.sendMessage(Message.of(row.getString("payload")).addMetadata(metadata))
                .replaceWith(new SendOutcome(id, null))
                .onFailure().recoverWithItem(failure -> new SendOutcome(id, failure));
    }

    /** Marks what reached the broker and counts an attempt on the rest, which stay pending for the next pass. */
    private Uni<Integer> record(SqlConnection connection, List<SendOutcome> outcomes) {
        UUID[] delivered = outcomes.stream().filter(o -> o.failure() == null).map(SendOutcome::id).toArray(UUID[]::new);
        UUID[] undelivered = outcomes.stream().filter(o -> o.failure() != null).map(SendOutcome::id).toArray(UUID[]::new);
        Uni<Void> markFailed = Uni.createFrom().voidItem();
        if (undelivered.length > 0) {
            Throwable failure = outcomes.stream().filter(o -> o.failure() != null).findFirst().orElseThrow().failure();
            String reason = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
            failed.increment(undelivered.length);
            LOG.warnf("outbox: %d of %d events not delivered (%s); they stay pending", undelivered.length, outcomes.size(), reason);
            markFailed = connection.preparedQuery(MARK_FAILED).execute(Tuple.of(undelivered, truncate(reason))).replaceWithVoid();
        }
        if (delivered.length == 0) {
            return markFailed.replaceWith(0);
        }
        return markFailed.chain(() -> connection.preparedQuery(MARK_PUBLISHED).execute(Tuple.of(delivered)))
                .invoke(() -> published.increment(delivered.length))
                .replaceWith(delivered.length);
    }

    private record SendOutcome(UUID id, Throwable failure) {
    }

    private static String truncate(String text) {
        return text.length() <= 1000 ? text : text.substring(0, 1000);
    }
}
