package io.deeploy.escrow.messaging;

import io.deeploy.escrow.service.NodeOperators;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventType;
import io.deeploy.events.payload.NodeRegistered;
import io.deeploy.outbox.IdempotentConsumer;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumSet;
import java.util.Set;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** Node operators' registrations (project-svc): where each node's earnings are paid. Each event once. */
@ApplicationScoped
public class OperatorEventsConsumer {

    static final String CONSUMER = "escrow-svc.node-operators";

    private final IdempotentConsumer consumer;
    private final NodeOperators operators;

    public OperatorEventsConsumer(IdempotentConsumer consumer, NodeOperators operators) {
        this.consumer = consumer;
        this.operators = operators;
    }

    /**
     * The event types this consumer applies (its contract test reads every recorded version of each); others on its
     * topics are skipped undecoded.
     */
    public static final Set<EventType> CONSUMED = EnumSet.of(EventType.NODE_REGISTERED);

    @Incoming("operator-events")
    public Uni<Void> onOperatorEvent(String record) {
        EventType type = EventType.byName(EventCodec.typeOf(record));
        if (type == null || !CONSUMED.contains(type)) {
            return Uni.createFrom().voidItem();
        }
        Event<?> event = EventCodec.decode(record);
        return consumer.processOnce(CONSUMER, event, () -> operators.registered((NodeRegistered) event.payload(), event.time()))
                .replaceWithVoid();
    }
}
