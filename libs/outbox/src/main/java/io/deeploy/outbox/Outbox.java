package io.deeploy.outbox;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

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
        return enqueueAll(List.of(event));
    }

    /**
     * Writes {@code events} in their order, in as few statements as the database's parameter limit allows (one for up to
     * {@value #ROWS_PER_INSERT}): a batch of decisions announces its events in one round trip. Must run inside a
     * transaction.
     */
    public Uni<Void> enqueueAll(List<? extends Event<?>> events) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (int from = 0; from < events.size(); from += ROWS_PER_INSERT) {
            List<? extends Event<?>> rows = events.subList(from, Math.min(events.size(), from + ROWS_PER_INSERT));
            chain = chain.chain(() -> Panache.getSession().chain(session -> {
                var insert = session.createNativeQuery(insertOf(rows.size()));
                for (int i = 0; i < rows.size(); i++) {
                    Event<?> event = rows.get(i);
                    int p = 6 * i;
                    insert.setParameter(p + 1, event.id()).setParameter(p + 2, event.topic()).setParameter(p + 3, event.key())
                            .setParameter(p + 4, event.type()).setParameter(p + 5, EventCodec.encode(event))
                            .setParameter(p + 6, OffsetDateTime.ofInstant(event.time(), ZoneOffset.UTC));
                }
                return insert.executeUpdate();
            }).replaceWithVoid());
        }
        return chain;
    }

    /** One INSERT of {@code rows} rows, six parameters each, numbered in order. */
    static String insertOf(int rows) {
        StringBuilder sql = new StringBuilder(INSERT.substring(0, INSERT.indexOf("VALUES") + "VALUES ".length()));
        for (int i = 0; i < rows; i++) {
            int p = 6 * i;
            sql.append(i == 0 ? "" : ", ").append(String.format("(?%d, ?%d, ?%d, ?%d, ?%d, ?%d)", p + 1, p + 2, p + 3, p + 4, p + 5,
                    p + 6));
        }
        return sql.toString();
    }

    /** Six parameters a row, well under PostgreSQL's 65,535 a statement. */
    static final int ROWS_PER_INSERT = 500;
}
