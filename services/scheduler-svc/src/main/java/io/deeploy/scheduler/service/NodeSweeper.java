package io.deeploy.scheduler.service;

import io.deeploy.scheduler.config.SchedulerConfig;
import io.deeploy.scheduler.repository.NodeRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * On a fixed period: marks silent nodes LOST, moves jobs off them and off nodes taken out of service, announces the stops
 * that unreachable nodes cannot confirm, retries waiting jobs, attests ended epochs.
 */
@ApplicationScoped
public class NodeSweeper {

    private static final Logger LOG = Logger.getLogger(NodeSweeper.class);

    private final NodeRepository nodes;
    private final PlacementService placements;
    private final SchedulerConfig config;
    private final UptimeOracle oracle;
    /**
     * When this scheduler started (this bean is made for its first sweep, two seconds later): the nodes' heartbeats come
     * through its own gateway, so none could arrive while it was down, and that silence is not theirs.
     */
    private final Instant startedAt = Instant.now();

    public NodeSweeper(NodeRepository nodes, PlacementService placements, SchedulerConfig config, UptimeOracle oracle) {
        this.oracle = oracle;
        this.nodes = nodes;
        this.placements = placements;
        this.config = config;
    }

    @Scheduled(every = "${deeploy.scheduler.sweep-interval:5s}", delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        return Panache.withTransaction(() -> nodes.markLost(lostIfHeardBefore(Instant.now())))
                .invoke(lost -> {
                    if (lost > 0) {
                        LOG.warnf("%d node(s) missed their heartbeats and are LOST", lost);
                    }
                })
                .chain(placements::failover)
                .invoke(moved -> {
                    if (moved > 0) {
                        LOG.warnf("%d job(s) moved off lost nodes", moved);
                    }
                })
                .chain(placements::announceStopsOfUnreachableNodes)
                .invoke(announced -> {
                    if (announced > 0) {
                        LOG.warnf("%d stop(s) announced for nodes that cannot confirm them", announced);
                    }
                })
                .chain(placements::retryWaiting)
                .chain(placements::growShort)
                .chain(() -> oracle.attestEnded(Instant.now()))
                .onFailure().invoke(e -> LOG.warnf("sweep failed: %s", e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /**
     * The heartbeat time before which a READY node is lost at {@code now}. A node's silence counts from this scheduler's
     * start at the earliest, as a new Nomad leader gives every node a fresh heartbeat window: a node gets a whole window
     * to reach a scheduler back from an outage instead of being failed over for the scheduler's own absence. Within the
     * first window none is lost (none was heard before the epoch).
     */
    Instant lostIfHeardBefore(Instant now) {
        Instant windowStart = now.minus(config.nodeLostAfter());
        return windowStart.isAfter(startedAt) ? windowStart : Instant.EPOCH;
    }
}
