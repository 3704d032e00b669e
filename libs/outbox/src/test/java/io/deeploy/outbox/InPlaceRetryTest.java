package io.deeploy.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deeploy.events.MalformedEventException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InPlaceRetryTest {

    final InPlaceRetry retry = new InPlaceRetry(Duration.ofMillis(1), Duration.ofMillis(4));

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
    void theWaitDoublesUpToTheCeiling() {
        Duration first = Duration.ofMillis(500);
        Duration max = Duration.ofSeconds(30);
        assertThat(InPlaceRetry.backoff(first, max, 2)).isEqualTo(Duration.ofMillis(500));
        assertThat(InPlaceRetry.backoff(first, max, 3)).isEqualTo(Duration.ofSeconds(1));
        assertThat(InPlaceRetry.backoff(first, max, 4)).isEqualTo(Duration.ofSeconds(2));
        assertThat(InPlaceRetry.backoff(first, max, 9)).isEqualTo(Duration.ofSeconds(30));
        assertThat(InPlaceRetry.backoff(first, max, 1_000)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void anInterruptedWaitStopsTrying() {
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> new InPlaceRetry(Duration.ofSeconds(5), Duration.ofSeconds(5)).run("away", () -> {
            throw new IllegalStateException("still away");
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("interrupted");
        assertThat(Thread.interrupted()).isTrue();
    }
}
