package io.deeploy.project.messaging;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventType;
import io.deeploy.events.payload.FundsLocked;
import io.deeploy.outbox.IdempotentConsumer;
import io.deeploy.project.service.JobService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** Funding confirmed on chain releases a job waiting for it; once per event. */
@ApplicationScoped
public class EscrowEventsConsumer {

    static final String CONSUMER = "project-svc.funding";

    private final IdempotentConsumer consumer;
    private final JobService jobs;

    public EscrowEventsConsumer(IdempotentConsumer consumer, JobService jobs) {
        this.consumer = consumer;
        this.jobs = jobs;
    }

    @Incoming("escrow-events")
    public Uni<Void> onEscrowEvent(String record) {
        if (EventType.byName(EventCodec.typeOf(record)) != EventType.FUNDS_LOCKED) {
            return Uni.createFrom().voidItem();
        }
        Event<?> event = EventCodec.decode(record);
        return consumer.processOnce(CONSUMER, event, () -> jobs.fundsLocked((FundsLocked) event.payload(), event)).replaceWithVoid();
    }
}
