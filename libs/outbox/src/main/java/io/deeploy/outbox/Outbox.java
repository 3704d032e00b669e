package io.deeploy.outbox;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Writes events into the outbox table inside the caller's Hibernate Reactive transaction, so an event exists if and
 * only if the state change it announces was committed. {@link OutboxRelay} publishes it afterwards.
 */
@ApplicationScoped
public class Outbox {

    static final String INSERT = "INSERT INTO outbox_event (id, topic, event_key, event_type, payload, created_at) "
            + "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

    /** Must run inside a transaction ({@code @WithTransaction} or {@code Panache.withTransaction}). */
    public Uni<Void> enqueue(Event<?> event) {
        return Panache.getSession().chain(session -> session.createNativeQuery(INSERT)
                .setParameter(1, event.id())
                .setParameter(2, event.topic())
                .setParameter(3, event.key())
                .setParameter(4, event.type())
                .setParameter(5, EventCodec.encode(event))
                .setParameter(6, OffsetDateTime.ofInstant(event.time(), ZoneOffset.UTC))
                .executeUpdate())
                .replaceWithVoid();
    }
}
