package io.deeploy.builder.service;

import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.NodeHeartbeat;
import io.deeploy.events.payload.Resources;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Reports this node to the registry at a jittered interval. Heartbeats go straight to Kafka rather than through the
 * outbox: they announce no state change, the next one supersedes a lost one, and writing one row per beat would only
 * load the database.
 */
@ApplicationScoped
public class HeartbeatService {

    private static final Logger LOG = Logger.getLogger(HeartbeatService.class);
    static final String AGENT_VERSION = "0.1.0";
    static final String ACTIVE = "SELECT job_id, cpu, memory, gpu FROM assignment WHERE state = 'ASSIGNED' AND node_id = $1"
            + " ORDER BY job_id";

    private final MutinyEmitter<String> emitter;
    private final Pool pool;
    private final NodeConfig config;
    private final Resources offered;
    private final String bootId = UUID.randomUUID().toString();
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean running;

    private final Deployer deployer;

    public HeartbeatService(@Channel("node-heartbeats") MutinyEmitter<String> emitter, Pool pool, NodeConfig config,
            Deployer deployer) {
        this.deployer = deployer;
        this.emitter = emitter;
        this.pool = pool;
        this.config = config;
        this.offered = NodeCapacity.offered(config);
    }

    void start(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 1000) StartupEvent startup, Vertx vertx) {
        running = true;
        LOG.infof("node agent %s offers %s", config.id(), offered);
        schedule(vertx, 0);
    }

    void stop(@Observes ShutdownEvent shutdown) {
        running = false;
    }

    private void schedule(Vertx vertx, long delayMillis) {
        vertx.setTimer(Math.max(1, delayMillis), timer -> {
            if (!running) {
                return;
            }
            beat().subscribe().with(
                    sent -> schedule(vertx, jittered()),
                    failure -> {
                        LOG.warnf("heartbeat not sent: %s", failure.getMessage());
                        schedule(vertx, jittered());
                    });
        });
    }

    /** The interval with up to ±10 % jitter, so that many agents do not beat in lockstep. */
    private long jittered() {
        long base = config.heartbeatInterval().toMillis();
        return base + ThreadLocalRandom.current().nextLong(-base / 10, base / 10 + 1);
    }

    public Uni<Void> beat() {
        // Plain SQL rather than a Hibernate session: this runs on a timer, outside any request context.
        return pool.preparedQuery(ACTIVE).execute(Tuple.of(config.id())).chain(rows -> {
            List<Resources> used = new ArrayList<>();
            // Reported as running: the jobs whose app passed its health check here and has not crashed since. This is
            // what the uptime oracle counts, so an assigned job that does not serve earns nothing.
            List<String> jobIds = deployer.healthyJobs();
            for (Row row : rows) {
                used.add(new Resources(row.getLong("cpu"), row.getLong("memory"), row.getInteger("gpu")));
            }
            NodeHeartbeat heartbeat = new NodeHeartbeat(config.id(), bootId, sequence.incrementAndGet(), config.address(),
                    offered, NodeCapacity.free(offered, used), config.tags(), jobIds, AGENT_VERSION);
            Event<NodeHeartbeat> event = Event.of(heartbeat);
            return emitter.sendMessage(Message.of(EventCodec.encode(event)).addMetadata(
                    OutgoingKafkaRecordMetadata.<String>builder().withKey(event.key()).build()));
        });
    }

    public Resources offered() {
        return offered;
    }

}
