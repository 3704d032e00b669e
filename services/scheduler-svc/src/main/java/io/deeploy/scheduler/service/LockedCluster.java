package io.deeploy.scheduler.service;

import io.deeploy.events.payload.Resources;
import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.util.List;

/**
 * The cluster as one placement transaction sees it, from when it took the placement lock to its commit: read from the
 * database at the first decision, then kept current by the transaction's own decisions, so that a batch of decisions
 * reads the nodes and sums the reservations once rather than once each. Nobody else can change a reservation meanwhile
 * (they wait for the lock). The one rule that keeps it true: a job that held nothing and is placed is added here
 * ({@link #placed}); any other change to what a job holds (released, resized, moved, rescaled) makes the next decision
 * read the database again ({@link #forget}). Obtained from {@link PlacementService#lockCluster()}; never outlives its
 * transaction.
 */
public final class LockedCluster {

    private final ClusterSnapshots source;
    private ClusterSnapshot snapshot;

    LockedCluster(ClusterSnapshots source) {
        this.source = source;
    }

    /** The nodes in service with every reservation made so far, this transaction's included. */
    Uni<ClusterSnapshot> snapshot() {
        if (snapshot != null) {
            return Uni.createFrom().item(snapshot);
        }
        return source.current().invoke(read -> snapshot = read);
    }

    /** A job that held nothing now holds {@code perNode} on each of {@code nodeIds}. */
    void placed(List<String> nodeIds, Resources perNode, Instant at) {
        if (snapshot != null) {
            snapshot = snapshot.withReserved(nodeIds, perNode, at);
        }
    }

    /** What a job holds changed otherwise: the next decision reads the reservations from the database. */
    void forget() {
        snapshot = null;
    }
}
