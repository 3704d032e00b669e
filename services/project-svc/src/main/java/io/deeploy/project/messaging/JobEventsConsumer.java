package io.deeploy.project.messaging;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventType;
import io.deeploy.outbox.IdempotentConsumer;
import io.deeploy.project.service.JobStatusService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumSet;
import java.util.Set;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Applies the status events of other services to the jobs this service owns, once each: placements and the nodes'
 * reports (job-events, stamped by scheduler-svc's node gateway) and the ingress's routes (route-events, tunnel-svc).
 */
@ApplicationScoped
public class JobEventsConsumer {

    static final String CONSUMER = "project-svc.job-status";
    public static final Set<EventType> CONSUMED = EnumSet.of(EventType.NODE_SELECTED, EventType.BUILD_STARTED,
            EventType.BUILD_COMPLETED, EventType.APP_STARTED, EventType.APP_FAILED, EventType.TUNNEL_READY, EventType.TUNNEL_FAILED,
            EventType.JOB_STOPPED, EventType.ROUTE_READY);

    private final IdempotentConsumer consumer;
    private final JobStatusService status;

    public JobEventsConsumer(IdempotentConsumer consumer, JobStatusService status) {
        this.consumer = consumer;
        this.status = status;
    }

    @Incoming("job-events")
    public Uni<Void> onJobEvent(String record) {
        return apply(record);
    }

    @Incoming("route-events")
    public Uni<Void> onRouteEvent(String record) {
        return apply(record);
    }

    private Uni<Void> apply(String record) {
        EventType type = EventType.byName(EventCodec.typeOf(record));
        if (type == null || !CONSUMED.contains(type)) {
            return Uni.createFrom().voidItem();
        }
        Event<?> event = EventCodec.decode(record);
        return consumer.processOnce(CONSUMER, event, () -> status.apply(event)).replaceWithVoid();
    }
}
