package io.deeploy.outbox.testing;

import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.persistence.LockModeType;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Two writers of one row in the worst orders against the real database, each in a session and a transaction of its own
 * as two consumers' (or two requests') are: {@link #interleave} (neither locks the row) and {@link #contend} (one holds
 * it while the other comes).
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

    /**
     * A writer that holds the row while another comes: entity {@code type} {@code id} is read with a row lock in a
     * transaction of its own and changed by {@code holder}; meanwhile {@code contender} (a service call) is started, and
     * the holder commits only once some statement of the database waits for a lock, wherever the contender is held up
     * (at its read if it locks the row, at its write if not). Blocking; returns the contender's outcome, which completes
     * after the holder's commit.
     */
    public static <E, T> CompletableFuture<T> contend(Mutiny.SessionFactory sessions, Class<E> type, Object id,
            Consumer<E> holder, Supplier<Uni<T>> contender) throws Throwable {
        CompletableFuture<T> outcome = new CompletableFuture<>();
        inOwnSession(sessions, one -> one.withTransaction(tx -> one.find(type, id, LockModeType.PESSIMISTIC_WRITE)
                .invoke(holder)
                .call(() -> offTheEventLoop(() -> {
                    CompletableFuture.runAsync(() -> {
                        try {
                            outcome.complete(VertxContextSupport.subscribeAndAwait(contender));
                        } catch (Throwable failed) {
                            outcome.completeExceptionally(failed);
                        }
                    });
                    awaitALockWait(sessions);
                }))));
        return outcome;
    }

    private static void awaitALockWait(Mutiny.SessionFactory sessions) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try {
            while (inOwnSession(sessions, session -> session.createNativeQuery("SELECT count(*) FROM pg_stat_activity"
                    + " WHERE wait_event_type = 'Lock' AND datname = current_database()", Long.class).getSingleResult()) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the contender never waited for the holder's transaction");
                }
                Thread.sleep(20);
            }
        } catch (Throwable e) {
            throw new CompletionException(e);
        }
    }

    /**
     * Blocking {@code work} off the event loop while the calling transaction stays open; the chain goes on on the
     * session's own context (a reactive session is used from the thread that opened it only).
     */
    private static Uni<Void> offTheEventLoop(Runnable work) {
        Context context = Vertx.currentContext();
        return Uni.createFrom().completionStage(() -> CompletableFuture.runAsync(work))
                .emitOn(task -> context.runOnContext(ignored -> task.run()));
    }

    /** {@code work} in a session of its own (not the one bound to the context), closed after. Blocking. */
    public static <T> T inOwnSession(Mutiny.SessionFactory sessions, Function<Mutiny.Session, Uni<T>> work) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> ownSession(sessions, work));
    }

    private static <T> Uni<T> ownSession(Mutiny.SessionFactory sessions, Function<Mutiny.Session, Uni<T>> work) {
        return sessions.openSession().chain(session -> work.apply(session).eventually(session::close));
    }
}
