package io.deeploy.outbox.testing;

import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import java.util.function.Consumer;
import java.util.function.Function;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Two writers of one row in the worst order against the real database, each in a session and a transaction of its own as
 * two consumers' (or two requests') are: the first reads the row, the second reads it, changes it and commits, then the
 * first writes its change. What the second wrote must survive unless the first changed it too.
 */
public final class ConcurrentWriters {

    private ConcurrentWriters() {
    }

    /** Runs {@code first} and {@code second} on entity {@code type} {@code id} in that interleaving. Blocking. */
    public static <E> void interleave(Mutiny.SessionFactory sessions, Class<E> type, Object id, Consumer<E> first,
            Consumer<E> second) throws Throwable {
        inOwnSession(sessions, one -> one.withTransaction(tx -> one.find(type, id)
                .call(seenFirst -> ownSession(sessions, two -> two.withTransaction(tx2 -> two.find(type, id).invoke(second))))
                .invoke(first)));
    }

    /** {@code work} in a session of its own (not the one bound to the context), closed after. Blocking. */
    public static <T> T inOwnSession(Mutiny.SessionFactory sessions, Function<Mutiny.Session, Uni<T>> work) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> ownSession(sessions, work));
    }

    private static <T> Uni<T> ownSession(Mutiny.SessionFactory sessions, Function<Mutiny.Session, Uni<T>> work) {
        return sessions.openSession().chain(session -> work.apply(session).eventually(session::close));
    }
}
