package io.deeploy.scheduler.messaging;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventType;
import io.deeploy.events.payload.NodeRegistered;
import io.deeploy.events.payload.NodeStatusChanged;
import io.deeploy.outbox.IdempotentConsumer;
import io.deeploy.scheduler.service.NodeIdentities;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumSet;
import java.util.Set;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Node operators' registrations and admins' decisions, from project-svc's public API: who may speak for a node at the
 * gateway and whether it may serve. Each event once; a node taken out of service loses its jobs at the next sweep.
 */
@ApplicationScoped
public class OperatorEventsConsumer {

    static final String CONSUMER = "scheduler-svc.registry";

    private final IdempotentConsumer consumer;
    private final NodeIdentities identities;

    public OperatorEventsConsumer(IdempotentConsumer consumer, NodeIdentities identities) {
        this.consumer = consumer;
        this.identities = identities;
    }

    /**
     * The event types this consumer applies (its contract test reads every recorded version of each); others on its
     * topics are skipped undecoded.
     */
    public static final Set<EventType> CONSUMED = EnumSet.of(EventType.NODE_REGISTERED, EventType.NODE_STATUS_CHANGED);

    @Incoming("operator-events")
    public Uni<Void> onOperatorEvent(String record) {
        EventType type = EventType.byName(EventCodec.typeOf(record));
        if (type == null || !CONSUMED.contains(type)) {
            return Uni.createFrom().voidItem();
        }
        Event<?> event = EventCodec.decode(record);
        return consumer.processOnce(CONSUMER, event, () -> event.payload() instanceof NodeRegistered registered
                        ? identities.registered(registered, event.time())
                        : identities.statusChanged((NodeStatusChanged) event.payload(), event.time()).replaceWithVoid())
                // The gateway reads the node again at its next call, on this instance at once.
                .invoke(() -> identities.forget(event.key()))
                .replaceWithVoid();
    }
}
