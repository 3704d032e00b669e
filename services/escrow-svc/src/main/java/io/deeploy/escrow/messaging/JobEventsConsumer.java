package io.deeploy.escrow.messaging;

import io.deeploy.escrow.service.ChainJobCloser;
import io.deeploy.escrow.service.ChainJobNodes;
import io.deeploy.escrow.service.FundingLinks;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventType;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.FundingAccepted;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpecChanged;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.outbox.InPlaceRetry;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumSet;
import java.util.Set;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * What escrow-svc needs to know of jobs, recorded and nothing more: no consumer waits for the chain. The funds
 * project-svc accepted for a job (FundingAccepted) link it to that chain job; its placements (NodeSelected) and first
 * start (AppStarted) are the node set its chain job should pay, and its spec's revisions (JobRequested, JobSpecChanged)
 * how many nodes ({@link ChainJobNodes} activates it, follows failovers and gives up nodes no longer asked for); its
 * stop is recorded for {@link ChainJobCloser}. The chain writer's tick sends the transactions. Needs no processed-id
 * record: a link is made once, a placement or revision only replaces an older one, only the first start counts, and a
 * stop is recorded once. So a record whose effect fails (the database or the chain away) is tried again in place until
 * it applies ({@link InPlaceRetry}): a stop or a funding link is never dropped to the dead-letter topic, where the chain
 * job would stay open or unlinked.
 */
@ApplicationScoped
public class JobEventsConsumer {

    private final ChainJobNodes nodes;
    private final FundingLinks links;
    private final ChainJobCloser closer;

    public JobEventsConsumer(ChainJobNodes nodes, FundingLinks links, ChainJobCloser closer) {
        this.nodes = nodes;
        this.links = links;
        this.closer = closer;
    }

    @Incoming("job-events")
    @Blocking
    public void onJobEvent(String record) {
        InPlaceRetry.CONSUMERS.run("escrow-svc, a job event", () -> apply(record));
    }

    /**
     * The stop and the accepted funding come from the public API (job-commands), the rest from the scheduler and its
     * gateway (job-events).
     */
    @Incoming("job-commands")
    @Blocking
    public void onJobCommand(String record) {
        InPlaceRetry.CONSUMERS.run("escrow-svc, a job command", () -> apply(record));
    }

    /** The types applied here (its contract test reads every recorded version of each); the others are not decoded. */
    public static final Set<EventType> CONSUMED = EnumSet.of(EventType.APP_STARTED, EventType.NODE_SELECTED,
            EventType.JOB_REQUESTED, EventType.JOB_SPEC_CHANGED, EventType.FUNDING_ACCEPTED, EventType.JOB_STOP_REQUESTED);

    private void apply(String record) {
        if (!CONSUMED.contains(EventType.byName(EventCodec.typeOf(record)))) {
            return;
        }
        Event<?> event = EventCodec.decode(record);
        Object payload = event.payload();
        if (payload instanceof AppStarted started) {
            nodes.served(started.jobId(), started.nodeId(), event.time());
        } else if (payload instanceof NodeSelected selected) {
            nodes.placed(selected.jobId(), selected.nodeIds(), selected.placement(), event.time());
        } else if (payload instanceof JobRequested requested) {
            nodes.revised(requested.jobId(), requested.spec(), event.time());
        } else if (payload instanceof JobSpecChanged changed) {
            nodes.revised(changed.jobId(), changed.spec(), event.time());
        } else if (payload instanceof FundingAccepted accepted) {
            links.accepted(accepted.jobId(), accepted.chainJobId());
        } else if (payload instanceof JobStopRequested stop) {
            closer.request(stop.jobId(), event.time());
        }
    }
}
