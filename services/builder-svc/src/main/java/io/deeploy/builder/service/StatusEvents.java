package io.deeploy.builder.service;

import io.deeploy.events.Event;
import io.deeploy.events.EventPayload;
import io.deeploy.outbox.Outbox;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/** Records the agent's status events in the outbox from its blocking worker threads, one transaction each. */
@ApplicationScoped
public class StatusEvents {

    private static final Logger LOG = Logger.getLogger(StatusEvents.class);

    private final Outbox outbox;

    public StatusEvents(Outbox outbox) {
        this.outbox = outbox;
    }

    public void emit(EventPayload payload) {
        Event<?> event = Event.of(payload);
        try {
            VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> outbox.enqueue(event)));
        } catch (Throwable e) {
            LOG.errorf("job %s: could not record %s: %s", payload.key(), event.type(), e.getMessage());
        }
    }
}
