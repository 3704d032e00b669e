package io.deeploy.outbox;

import io.deeploy.events.Backoff;
import io.deeploy.events.MalformedEventException;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Runs a blocking consumer's effect until it succeeds, waiting longer after each failure (doubling up to a ceiling),
 * on the consumer's own thread: the record is neither skipped nor sent to the dead-letter topic because the database
 * or the chain was away for a while, and the records after it wait (Kafka pauses the partition). Only for effects that
 * are safe to run again. A malformed or rejected record is never retried: it fails at once, for the dead-letter topic.
 */
public final class InPlaceRetry {

    private static final Logger LOG = Logger.getLogger(InPlaceRetry.class);

    /** From half a second to half a minute between tries: what the platform's consumers use. */
    public static final InPlaceRetry CONSUMERS = new InPlaceRetry(new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30)));

    private final Backoff backoff;

    public InPlaceRetry(Backoff backoff) {
        this.backoff = backoff;
    }

    /** Runs {@code effect} until it returns; returns how many tries it took. Throws if interrupted while waiting. */
    public int run(String what, Runnable effect) {
        for (int attempt = 1; ; attempt++) {
            try {
                effect.run();
                if (attempt > 1) {
                    LOG.infof("%s succeeded on try %d", what, attempt);
                }
                return attempt;
            } catch (MalformedEventException | RejectedEventException e) {
                throw e;
            } catch (RuntimeException e) {
                Duration wait = backoff.after(attempt);
                LOG.warnf("%s failed (%s); trying again in %d ms", what, e.getMessage(), wait.toMillis());
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(what + ": interrupted while waiting to try again", interrupted);
                }
            }
        }
    }
}
