package io.deeploy.escrow.messaging;

import io.deeploy.escrow.service.SettlementService;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventType;
import io.deeploy.events.payload.SettlementDue;
import io.deeploy.outbox.IdempotentConsumer;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumSet;
import java.util.Set;
import org.eclipse.microprofile.reactive.messaging.Incoming;

@ApplicationScoped
public class EscrowEventsConsumer {

    static final String CONSUMER = "escrow-svc.settlement";

    private final IdempotentConsumer consumer;
    private final SettlementService settlements;

    public EscrowEventsConsumer(IdempotentConsumer consumer, SettlementService settlements) {
        this.consumer = consumer;
        this.settlements = settlements;
    }

    /**
     * The event types this consumer applies (its contract test reads every recorded version of each); others on its
     * topics are skipped undecoded.
     */
    public static final Set<EventType> CONSUMED = EnumSet.of(EventType.SETTLEMENT_DUE);

    /** The uptime oracle's attestations (scheduler-svc). */
    @Incoming("oracle-events")
    public Uni<Void> onOracleEvent(String record) {
        EventType type = EventType.byName(EventCodec.typeOf(record));
        if (type == null || !CONSUMED.contains(type)) {
            return Uni.createFrom().voidItem();
        }
        Event<?> event = EventCodec.decode(record);
        SettlementDue due = (SettlementDue) event.payload();
        SettlementService.check(due);
        return consumer.processOnce(CONSUMER, event, () -> settlements.record(due, event.time())).replaceWithVoid();
    }
}
