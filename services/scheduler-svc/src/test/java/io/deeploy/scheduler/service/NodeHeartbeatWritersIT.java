package io.deeploy.scheduler.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.events.payload.Resources;
import io.deeploy.node.api.Heartbeat;
import io.deeploy.outbox.testing.ConcurrentWriters;
import io.deeploy.scheduler.repository.Node;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hibernate.reactive.mutiny.Mutiny;
import org.junit.jupiter.api.Test;

/** A node's row against the real PostgreSQL, written by two of its heartbeats at the same moment. */
@QuarkusTest
class NodeHeartbeatWritersIT {

    @Inject
    Mutiny.SessionFactory sessions;

    @Inject
    NodeRegistry registry;

    static Heartbeat beat(String bootId, long sequence, int freeCpu) {
        return new Heartbeat(bootId, sequence, new Resources(2000, 4096, 0), new Resources(freeCpu, 4096, 0), Map.of(), "it",
                List.of());
    }

    /**
     * Beat 3 is being recorded (its transaction holds the row) when beat 2, sent earlier, arrives: beat 2 waits, then
     * finds beat 3 and is dropped, so the node never steps back to what it reported before. Without the row lock, beat 2
     * reads beat 1, waits only to write, and writes its older sequence and free capacity over beat 3's.
     */
    @Test
    void anOlderBeatRecordedWhileANewerOneIsWrittenIsDropped() throws Throwable {
        String nodeId = "beats-" + UUID.randomUUID().toString().substring(0, 8);
        String bootId = UUID.randomUUID().toString();
        assertThat(VertxContextSupport.subscribeAndAwait(() -> registry.record(nodeId, "127.0.0.1", beat(bootId, 1, 2000),
                Instant.now()))).isTrue();

        CompletableFuture<Boolean> older = ConcurrentWriters.contend(sessions, Node.class, nodeId, newer -> {
            newer.sequence = 3;
            newer.freeCpu = 500;
            newer.lastHeartbeatAt = Instant.now();
        }, () -> registry.record(nodeId, "127.0.0.1", beat(bootId, 2, 1500), Instant.now()));

        assertThat(older.get(30, TimeUnit.SECONDS)).as("beat 2 applied").isFalse();
        Node after = ConcurrentWriters.inOwnSession(sessions, session -> session.find(Node.class, nodeId));
        assertThat(after.sequence).isEqualTo(3);
        assertThat(after.freeCpu).isEqualTo(500);
    }
}
