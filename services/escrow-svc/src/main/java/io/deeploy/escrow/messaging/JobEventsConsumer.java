package io.deeploy.escrow.messaging;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventType;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.FundingAccepted;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.escrow.service.ChainJobCloser;
import io.deeploy.escrow.service.ChainJobLifecycle;
import io.deeploy.escrow.service.FundingLinks;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The funds project-svc accepted for a job (FundingAccepted) link it to that chain job in the ledger. A funded job's
 * first AppStarted starts its paid epochs on chain (the oracle's activate); a failover moves its paid
 * node set (updateNodes); its stop is recorded for {@link ChainJobCloser}, which closes it there once the epochs it
 * served are settled and refunds what is unspent. Needs no processed-id record: only a job the ledger shows FUNDED is
 * activated, a stop is recorded once, and the contract refuses a second activation or close, so a redelivered event
 * changes nothing.
 */
@ApplicationScoped
public class JobEventsConsumer {

    private final ChainJobLifecycle lifecycle;
    private final FundingLinks links;
    private final ChainJobCloser closer;

    public JobEventsConsumer(ChainJobLifecycle lifecycle, FundingLinks links, ChainJobCloser closer) {
        this.lifecycle = lifecycle;
        this.links = links;
        this.closer = closer;
    }

    @Incoming("job-events")
    @Blocking
    public void onJobEvent(String record) {
        apply(record);
    }

    /**
     * The stop and the accepted funding come from the public API (job-commands), the rest from the scheduler and its
     * gateway (job-events).
     */
    @Incoming("job-commands")
    @Blocking
    public void onJobCommand(String record) {
        apply(record);
    }

    private void apply(String record) {
        EventType type = EventType.byName(EventCodec.typeOf(record));
        if (type == EventType.APP_STARTED) {
            AppStarted started = (AppStarted) EventCodec.decode(record).payload();
            lifecycle.activateOnFirstStart(started.jobId(), started.nodeId());
        } else if (type == EventType.NODE_SELECTED) {
            NodeSelected selected = (NodeSelected) EventCodec.decode(record).payload();
            lifecycle.followPlacement(selected.jobId(), selected.nodeIds(), selected.placement());
        } else if (type == EventType.FUNDING_ACCEPTED) {
            FundingAccepted accepted = (FundingAccepted) EventCodec.decode(record).payload();
            links.accepted(accepted.jobId(), accepted.chainJobId());
        } else if (type == EventType.JOB_STOP_REQUESTED) {
            Event<?> stop = EventCodec.decode(record);
            closer.request(((JobStopRequested) stop.payload()).jobId(), stop.time());
        }
    }
}
