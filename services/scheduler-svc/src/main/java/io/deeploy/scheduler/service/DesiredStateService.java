package io.deeploy.scheduler.service;

import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.node.api.Allocation;
import io.deeploy.node.api.DesiredAllocations;
import io.deeploy.scheduler.repository.AllocationRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A node's desired allocations as a long poll: the answer comes at once when the node's index differs from the one it
 * knows, otherwise when something changes for it or the wait runs out. The waiter is registered before the table is
 * read, so a change committed in between wakes it rather than being missed; no database session is held while waiting.
 */
@ApplicationScoped
public class DesiredStateService {

    private final AllocationRepository allocations;
    private final AllocationNotifier notifier;

    public DesiredStateService(AllocationRepository allocations, AllocationNotifier notifier) {
        this.allocations = allocations;
        this.notifier = notifier;
    }

    public Uni<DesiredAllocations> desired(String nodeId, long knownIndex, Duration wait) {
        Context context = Vertx.currentContext();
        CompletableFuture<Void> change = notifier.register(nodeId);
        return snapshot(nodeId).chain(current -> {
            if (current.index() != knownIndex || wait.isZero()) {
                notifier.cancel(nodeId, change);
                return Uni.createFrom().item(current);
            }
            return Uni.createFrom().completionStage(change)
                    .ifNoItem().after(wait).recoverWithItem((Void) null)
                    .eventually(() -> notifier.cancel(nodeId, change))
                    // Woken on the listener's thread: read again on the request's own context, where sessions live.
                    .emitOn(runnable -> context.runOnContext(ignored -> runnable.run()))
                    .chain(() -> snapshot(nodeId));
        });
    }

    Uni<DesiredAllocations> snapshot(String nodeId) {
        return Panache.withSession(() -> allocations.indexOf(nodeId).chain(index -> allocations.desiredOn(nodeId)
                .map(rows -> new DesiredAllocations(index, rows.stream().map(row -> new Allocation(row.jobId(),
                        row.run() ? Allocation.Desired.RUN : Allocation.Desired.STOP, row.placement(),
                        EventCodec.fromJson(row.spec(), JobSpec.class))).toList()))));
    }
}
