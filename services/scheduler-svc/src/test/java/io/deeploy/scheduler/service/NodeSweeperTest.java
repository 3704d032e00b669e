package io.deeploy.scheduler.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.scheduler.config.SchedulerConfig;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class NodeSweeperTest {

    private static final Duration LOST_AFTER = Duration.ofSeconds(6);

    /** A configuration whose only setting read here is the lost window. */
    private static SchedulerConfig config() {
        return (SchedulerConfig) Proxy.newProxyInstance(SchedulerConfig.class.getClassLoader(),
                new Class<?>[] {SchedulerConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("nodeLostAfter")) {
                        return LOST_AFTER;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aNodeSilentWhileTheSchedulerWasDownIsNotLostBeforeAWholeWindowSinceItsStart() {
        Instant beforeStart = Instant.now();
        NodeSweeper sweeper = new NodeSweeper(null, null, config(), null);

        // Just after the start, a node last heard an hour ago (before the outage) is not lost yet.
        Instant early = beforeStart.plus(LOST_AFTER).minusSeconds(1);
        assertThat(beforeStart.minusSeconds(3600)).isAfterOrEqualTo(sweeper.lostIfHeardBefore(early));

        // A whole window after the start, the usual rule: silent for longer than the window.
        Instant later = Instant.now().plus(LOST_AFTER).plusSeconds(1);
        assertThat(sweeper.lostIfHeardBefore(later)).isEqualTo(later.minus(LOST_AFTER));
        assertThat(beforeStart.minusSeconds(3600)).isBefore(sweeper.lostIfHeardBefore(later));
    }
}
