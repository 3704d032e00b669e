package io.deeploy.escrow.messaging;

import io.deeploy.events.EventCodec;
import io.deeploy.events.EventType;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.escrow.service.ActivationService;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * A funded job's first AppStarted starts its paid epochs on chain (the oracle's activate). Needs no processed-id
 * record: only a job the ledger shows FUNDED is activated, and the contract refuses a second activation, so a
 * redelivered or later AppStarted changes nothing.
 */
@ApplicationScoped
public class JobEventsConsumer {

    private final ActivationService activation;

    public JobEventsConsumer(ActivationService activation) {
        this.activation = activation;
    }

    @Incoming("job-events")
    @Blocking
    public void onJobEvent(String record) {
        if (EventType.byName(EventCodec.typeOf(record)) != EventType.APP_STARTED) {
            return;
        }
        AppStarted started = (AppStarted) EventCodec.decode(record).payload();
        activation.activateOnFirstStart(started.jobId(), started.nodeId());
    }
}
