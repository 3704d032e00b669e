package io.deeploy.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deeploy.events.Backoff;
import io.deeploy.events.MalformedEventException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InPlaceRetryTest {

    final InPlaceRetry retry = new InPlaceRetry(new Backoff(Duration.ofMillis(1), Duration.ofMillis(4)));

    @Test
    void aFailingEffectIsTriedAgainUntilItSucceeds() {
        AtomicInteger tries = new AtomicInteger();
        int attempts = retry.run("test effect", () -> {
            if (tries.incrementAndGet() < 4) {
                throw new IllegalStateException("database away");
            }
        });
        assertThat(attempts).isEqualTo(4);
        assertThat(tries).hasValue(4);
    }

    @Test
    void aMalformedOrRejectedRecordFailsAtOnce() {
        AtomicInteger tries = new AtomicInteger();
        assertThatThrownBy(() -> retry.run("malformed", () -> {
            tries.incrementAndGet();
            throw new MalformedEventException("missing 'id'");
        })).isInstanceOf(MalformedEventException.class);
        assertThatThrownBy(() -> retry.run("rejected", () -> {
            tries.incrementAndGet();
            throw new RejectedEventException("not for this service");
        })).isInstanceOf(RejectedEventException.class);
        assertThat(tries).hasValue(2);
    }

    @Test
    void anInterruptedWaitStopsTrying() {
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> new InPlaceRetry(new Backoff(Duration.ofSeconds(5), Duration.ofSeconds(5))).run("away", () -> {
            throw new IllegalStateException("still away");
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("interrupted");
        assertThat(Thread.interrupted()).isTrue();
    }
}
