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

    @Incoming("job-commands")
    public Uni<Void> onJobCommand(String record) {
        EventType type = EventType.byName(EventCodec.typeOf(record));
        if (type != EventType.JOB_REQUESTED && type != EventType.JOB_STOP_REQUESTED && type != EventType.JOB_SPEC_CHANGED) {
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
