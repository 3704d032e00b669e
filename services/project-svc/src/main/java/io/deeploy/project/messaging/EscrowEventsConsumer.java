package io.deeploy.project.messaging;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventType;
import io.deeploy.events.payload.FundsLocked;
import io.deeploy.events.payload.PaidPeriodChanged;
import io.deeploy.events.payload.SettlementCompleted;
import io.deeploy.outbox.IdempotentConsumer;
import io.deeploy.project.service.JobExpiry;
import io.deeploy.project.service.JobLifecycle;
import io.deeploy.project.service.JobService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumSet;
import java.util.Set;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Funding confirmed on chain releases a job waiting for it; its activation or extension sets when its paid time ends;
 * each settled epoch adds to its spend; once per event.
 */
@ApplicationScoped
public class EscrowEventsConsumer {

    static final String CONSUMER = "project-svc.funding";

    private final IdempotentConsumer consumer;
    private final JobService jobs;
    private final JobExpiry expiry;
    private final JobLifecycle lifecycle;

    public EscrowEventsConsumer(IdempotentConsumer consumer, JobService jobs, JobExpiry expiry, JobLifecycle lifecycle) {
        this.lifecycle = lifecycle;
        this.consumer = consumer;
        this.jobs = jobs;
        this.expiry = expiry;
    }

    /**
     * The event types this consumer applies (its contract test reads every recorded version of each); others on its
     * topics are skipped undecoded.
     */
    public static final Set<EventType> CONSUMED = EnumSet.of(EventType.FUNDS_LOCKED, EventType.SETTLEMENT_COMPLETED,
            EventType.PAID_PERIOD_CHANGED);

    @Incoming("escrow-events")
    public Uni<Void> onEscrowEvent(String record) {
        EventType type = EventType.byName(EventCodec.typeOf(record));
        if (type == null || !CONSUMED.contains(type)) {
            return Uni.createFrom().voidItem();
        }
        Event<?> event = EventCodec.decode(record);
        return consumer.processOnce(CONSUMER, event, () -> {
            if (event.payload() instanceof FundsLocked funds) {
                return jobs.fundsLocked(funds, event);
            }
            if (event.payload() instanceof PaidPeriodChanged period) {
                return expiry.paidPeriodChanged(period, event).chain(() -> lifecycle.paidNodesChanged(period, event));
            }
            return jobs.settlementCompleted((SettlementCompleted) event.payload(), event);
        }).replaceWithVoid();
    }
}
