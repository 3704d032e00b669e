package io.deeploy.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.events.payload.Resources;
import io.deeploy.node.api.Heartbeat;
import io.deeploy.scheduler.repository.Node;
import io.deeploy.scheduler.service.NodeRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeRegistryTest {

    static Heartbeat beat(String bootId, long sequence) {
        return new Heartbeat(bootId, sequence, new Resources(2000, 4096, 0), new Resources(2000, 4096, 0), Map.of(), "test", List.of());
    }

    static Node known(String bootId, long sequence, Instant at) {
        Node node = new Node();
        node.bootId = bootId;
        node.sequence = sequence;
        node.lastHeartbeatAt = at;
        return node;
    }

    @Test
    void onlyNewerHeartbeatsAreApplied() {
        Instant t = Instant.parse("2026-11-23T10:00:00Z");
        assertThat(NodeRegistry.isNewer(null, beat("b1", 1), t)).isTrue();
        Node node = known("b1", 5, t);
        assertThat(NodeRegistry.isNewer(node, beat("b1", 6), t.plusSeconds(5))).isTrue();
        assertThat(NodeRegistry.isNewer(node, beat("b1", 5), t)).as("replay").isFalse();
        assertThat(NodeRegistry.isNewer(node, beat("b1", 4), t.plusSeconds(9))).as("reordered").isFalse();
        assertThat(NodeRegistry.isNewer(node, beat("b2", 1), t.plusSeconds(1))).as("agent restarted").isTrue();
        assertThat(NodeRegistry.isNewer(node, beat("b0", 900), t.minusSeconds(60))).as("older run").isFalse();
    }

    @Test
    void theUptimeScoreStaysUpWithOnTimeHeartbeatsAndFallsWithAnOutage() {
        java.time.Duration interval = java.time.Duration.ofSeconds(5);
        double score = 1.0;
        for (int i = 0; i < 50; i++) {
            score = NodeRegistry.nextScore(score, java.time.Duration.ofSeconds(i % 2 == 0 ? 5 : 9), interval);
        }
        assertThat(score).as("jitter and a lost heartbeat are not an outage").isEqualTo(1.0);
        double afterOutage = NodeRegistry.nextScore(score, java.time.Duration.ofMinutes(10), interval);
        assertThat(afterOutage).isLessThan(0.96).isGreaterThan(0.9);
        double recovering = afterOutage;
        for (int i = 0; i < 20; i++) {
            recovering = NodeRegistry.nextScore(recovering, interval, interval);
        }
        assertThat(recovering).isGreaterThan(afterOutage).isLessThan(1.0);
    }
}
