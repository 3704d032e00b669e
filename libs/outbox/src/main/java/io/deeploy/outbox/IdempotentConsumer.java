package io.deeploy.outbox;

import io.deeploy.events.Event;
import io.deeploy.events.MalformedEventException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Applies an event's effect at most once per consumer: the event id is recorded in the same transaction as the effect,
 * so a redelivered event (Kafka's at-least-once, or the relay publishing twice) finds its id and changes nothing.
 */
@ApplicationScoped
public class IdempotentConsumer {

    private static final Logger LOG = Logger.getLogger(IdempotentConsumer.class);
    static final String RECORD = "INSERT INTO processed_event (consumer, event_id, event_type) VALUES (?1, ?2, ?3) "
            + "ON CONFLICT DO NOTHING";

    private final OutboxConfig config;

    public IdempotentConsumer(OutboxConfig config) {
        this.config = config;
    }

    /**
     * Runs {@code effect} in a new transaction unless {@code consumer} already processed {@code event}. The effect may
     * write state and enqueue outbox events; all of it commits with the processed mark, or none of it does. Failures
     * other than a {@link RejectedEventException} are retried with backoff, then surface to the messaging layer, which
     * sends the record to the dead-letter topic.
     *
     * @return true if the effect ran, false if the event was a duplicate
     */
    public Uni<Boolean> processOnce(String consumer, Event<?> event, Supplier<Uni<Void>> effect) {
        return Panache.withTransaction(() -> Panache.getSession()
                        .chain(session -> session.createNativeQuery(RECORD)
                                .setParameter(1, consumer)
                                .setParameter(2, event.id())
                                .setParameter(3, event.type())
                                .executeUpdate())
                        .chain(inserted -> {
                            if (inserted == 0) {
                                LOG.debugf("%s: %s %s already processed, skipped", consumer, event.type(), event.id());
                                return Uni.createFrom().item(false);
                            }
                            return effect.get().replaceWith(true);
                        }))
                .onFailure(IdempotentConsumer::worthRetrying).retry()
                .withBackOff(Duration.ofMillis(100), Duration.ofSeconds(2)).atMost(config.consumerRetries());
    }

    private static boolean worthRetrying(Throwable failure) {
        return !(failure instanceof RejectedEventException || failure instanceof MalformedEventException);
    }
}
