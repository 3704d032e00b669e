package io.deeploy.outbox;

import io.deeploy.events.Event;
import io.deeploy.events.MalformedEventException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
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

    /**
     * Runs {@code effect} once for a whole batch, in one new transaction, on the events of {@code events} that
     * {@code consumer} has not processed yet (in their order, an event given twice counted once): all their ids are
     * recorded in one statement, and the effect's writes commit with them or not at all. Not retried: a caller whose batch
     * fails falls back to {@link #processOnce} for each event, so that one event that cannot be applied fails alone.
     *
     * @return the events the effect was given
     */
    public Uni<List<Event<?>>> processAllOnce(String consumer, List<Event<?>> events,
            Function<List<Event<?>>, Uni<Void>> effect) {
        Map<UUID, Event<?>> byId = new LinkedHashMap<>();
        events.forEach(event -> byId.putIfAbsent(event.id(), event));
        if (byId.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return Panache.withTransaction(() -> Panache.getSession()
                .chain(session -> {
                    var insert = session.createNativeQuery(recordAll(byId.size()), Object.class).setParameter(1, consumer);
                    int parameter = 2;
                    for (Event<?> event : byId.values()) {
                        insert.setParameter(parameter++, event.id()).setParameter(parameter++, event.type());
                    }
                    return insert.getResultList();
                })
                .chain(recorded -> {
                    Set<String> fresh = new HashSet<>();
                    recorded.forEach(id -> fresh.add(id.toString()));
                    List<Event<?>> toApply = new ArrayList<>(fresh.size());
                    for (Event<?> event : byId.values()) {
                        if (fresh.contains(event.id().toString())) {
                            toApply.add(event);
                        } else {
                            LOG.debugf("%s: %s %s already processed, skipped", consumer, event.type(), event.id());
                        }
                    }
                    return toApply.isEmpty() ? Uni.createFrom().item(toApply) : effect.apply(toApply).replaceWith(toApply);
                }));
    }

    /** One INSERT recording {@code count} events, answering the ids that were new. */
    static String recordAll(int count) {
        StringBuilder sql = new StringBuilder("INSERT INTO processed_event (consumer, event_id, event_type) VALUES ");
        for (int i = 0; i < count; i++) {
            sql.append(i == 0 ? "" : ", ").append("(?1, ?").append(2 + 2 * i).append(", ?").append(3 + 2 * i).append(')');
        }
        return sql.append(" ON CONFLICT DO NOTHING RETURNING event_id").toString();
    }

    private static boolean worthRetrying(Throwable failure) {
        return !(failure instanceof RejectedEventException || failure instanceof MalformedEventException);
    }
}
