package io.deeploy.tunnel.messaging;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventType;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.outbox.IdempotentConsumer;
import io.deeploy.tunnel.service.RouteService;
import io.deeploy.tunnel.service.RouteTable;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumSet;
import java.util.Set;
import org.eclipse.microprofile.reactive.messaging.Incoming;

@ApplicationScoped
public class JobEventsConsumer {

    static final String CONSUMER = "tunnel-svc.routes";

    private final IdempotentConsumer consumer;
    private final RouteService routes;
    private final RouteTable table;

    public JobEventsConsumer(IdempotentConsumer consumer, RouteService routes, RouteTable table) {
        this.consumer = consumer;
        this.routes = routes;
        this.table = table;
    }

    /**
     * The event types this consumer applies (its contract test reads every recorded version of each); others on its
     * topics are skipped undecoded.
     */
    public static final Set<EventType> CONSUMED = EnumSet.of(EventType.APP_STARTED, EventType.JOB_STOPPED,
            EventType.NODE_SELECTED);

    @Incoming("job-events")
    public Uni<Void> onJobEvent(String record) {
        EventType type = EventType.byName(EventCodec.typeOf(record));
        if (type == null || !CONSUMED.contains(type)) {
            return Uni.createFrom().voidItem();
        }
        Event<?> event = EventCodec.decode(record);
        return consumer.processOnce(CONSUMER, event, () -> {
                    Object payload = event.payload();
                    if (payload instanceof AppStarted started) {
                        return routes.appStarted(started, event.time());
                    }
                    return payload instanceof NodeSelected selected ? routes.nodeSelected(selected)
                            : routes.jobStopped((JobStopped) payload);
                })
                // Once committed, the ingress switches at once instead of at its next periodic reload.
                .chain(applied -> applied ? table.reload().replaceWithVoid() : Uni.createFrom().voidItem());
    }
}
