package io.deeploy.scheduler.service;

import io.deeploy.events.Event;
import io.deeploy.outbox.Outbox;
import io.deeploy.scheduler.repository.AllocationRepository;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.List;

/**
 * The allocations and announcements of the new placements in a batch of decisions, gathered and written in one
 * statement each ({@link AllocationRepository#runAll}, {@link Outbox#enqueueAll}) rather than two round trips a job.
 * Only a job placed for the first time is deferred (nothing reads its allocations later in the batch unless a later
 * command names it, and {@link PlacementService#apply} writes what is gathered before any such command), and everything
 * gathered is written before the batch's transaction commits: the writes commit with the decisions, or neither does.
 */
final class DeferredWrites {

    private final List<AllocationRepository.Run> runs = new ArrayList<>();
    private final List<Event<?>> events = new ArrayList<>();

    void run(AllocationRepository.Run run) {
        runs.add(run);
    }

    void announce(Event<?> event) {
        events.add(event);
    }

    /** Writes what was gathered, allocations first (their order within a job's decision), and forgets it. */
    Uni<Void> write(AllocationRepository allocations, Outbox outbox) {
        if (runs.isEmpty() && events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<AllocationRepository.Run> runsNow = List.copyOf(runs);
        List<Event<?>> eventsNow = List.copyOf(events);
        runs.clear();
        events.clear();
        return allocations.runAll(runsNow).chain(() -> outbox.enqueueAll(eventsNow));
    }
}
