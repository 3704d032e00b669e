package io.deeploy.builder.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RestartBackoffTest {

    @Test
    void doublesFromTheInitialWaitUpToTheMaximum() {
        Duration initial = Duration.ofSeconds(2);
        Duration max = Duration.ofMinutes(5);
        assertThat(RestartPolicy.backoff(initial, max, 1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(RestartPolicy.backoff(initial, max, 2)).isEqualTo(Duration.ofSeconds(4));
        assertThat(RestartPolicy.backoff(initial, max, 5)).isEqualTo(Duration.ofSeconds(32));
        assertThat(RestartPolicy.backoff(initial, max, 8)).isEqualTo(Duration.ofSeconds(256));
        assertThat(RestartPolicy.backoff(initial, max, 9)).isEqualTo(max);
        assertThat(RestartPolicy.backoff(initial, max, 10_000)).isEqualTo(max);
    }
}
