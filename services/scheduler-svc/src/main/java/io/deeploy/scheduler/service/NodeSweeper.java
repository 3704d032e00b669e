package io.deeploy.scheduler.service;

import io.deeploy.scheduler.config.SchedulerConfig;
import io.deeploy.scheduler.repository.NodeRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.jboss.logging.Logger;

/** Marks silent nodes LOST and gives waiting jobs another chance, on a jittered period. */
@ApplicationScoped
public class NodeSweeper {

    private static final Logger LOG = Logger.getLogger(NodeSweeper.class);

    private final NodeRepository nodes;
    private final PlacementService placements;
    private final SchedulerConfig config;

    public NodeSweeper(NodeRepository nodes, PlacementService placements, SchedulerConfig config) {
        this.nodes = nodes;
        this.placements = placements;
        this.config = config;
    }

    @Scheduled(every = "${deeploy.scheduler.sweep-interval:5s}", delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        return Panache.withTransaction(() -> nodes.markLost(Instant.now().minus(config.nodeLostAfter())))
                .invoke(lost -> {
                    if (lost > 0) {
                        LOG.warnf("%d node(s) missed their heartbeats and are LOST", lost);
                    }
                })
                .chain(placements::retryWaiting)
                .onFailure().invoke(e -> LOG.warnf("sweep failed: %s", e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
