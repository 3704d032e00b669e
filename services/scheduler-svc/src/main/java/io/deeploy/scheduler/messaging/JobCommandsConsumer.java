package io.deeploy.scheduler.messaging;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventType;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpecChanged;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.outbox.IdempotentConsumer;
import io.deeploy.scheduler.service.PlacementService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumSet;
import java.util.Set;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Places requested jobs, gives their nodes each new revision of their spec, and releases stopped ones, each event once.
 */
@ApplicationScoped
public class JobCommandsConsumer {

    static final String CONSUMER = "scheduler-svc.placement";

    private final IdempotentConsumer consumer;
    private final PlacementService placements;

    public JobCommandsConsumer(IdempotentConsumer consumer, PlacementService placements) {
        this.consumer = consumer;
        this.placements = placements;
    }

    /**
     * The event types this consumer applies (its contract test reads every recorded version of each); others on its
     * topics are skipped undecoded.
     */
    public static final Set<EventType> CONSUMED = EnumSet.of(EventType.JOB_REQUESTED, EventType.JOB_STOP_REQUESTED,
            EventType.JOB_SPEC_CHANGED);

    @Incoming("job-commands")
    public Uni<Void> onJobCommand(String record) {
        EventType type = EventType.byName(EventCodec.typeOf(record));
        if (type == null || !CONSUMED.contains(type)) {
            return Uni.createFrom().voidItem();
        }
        Event<?> event = EventCodec.decode(record);
        return consumer.processOnce(CONSUMER, event, () -> {
            if (event.payload() instanceof JobRequested requested) {
                return placements.request(requested.jobId(), requested.spec(), event.time());
            }
            if (event.payload() instanceof JobSpecChanged changed) {
                return placements.respec(changed.jobId(), changed.spec(), changed.reason(), event.time());
            }
            JobStopRequested stop = (JobStopRequested) event.payload();
            return placements.release(stop.jobId(), stop.reason(), event.time());
        }).replaceWithVoid();
    }
}
