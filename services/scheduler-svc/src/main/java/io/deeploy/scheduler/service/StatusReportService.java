package io.deeploy.scheduler.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventPayload;
import io.deeploy.events.EventType;
import io.deeploy.events.payload.AppFailed;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.BuildCompleted;
import io.deeploy.events.payload.BuildStarted;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.TunnelFailed;
import io.deeploy.events.payload.TunnelReady;
import io.deeploy.events.payload.TunnelSettings;
import io.deeploy.node.api.StatusReport;
import io.deeploy.outbox.IdempotentConsumer;
import io.deeploy.outbox.Outbox;
import io.deeploy.scheduler.repository.AllocationRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Turns a node's report on one of its allocations into the job event it announces, through the outbox. What the event
 * says about who and where comes from the platform, not from the node: the node id is the authenticated one, the alias
 * the job's own, the host the node's registered address. A report about a job not allocated to the node, or one that
 * contradicts what is desired there (an app started for a job it is to stop), is refused and changes nothing. Each report
 * has an id: a resent one is recognised and applied once.
 */
@ApplicationScoped
public class StatusReportService {

    private static final Logger LOG = Logger.getLogger(StatusReportService.class);
    static final String CONSUMER = "gateway.reports";
    /** The event types a node may report. */
    static final Set<EventType> REPORTABLE = EnumSet.of(EventType.BUILD_STARTED, EventType.BUILD_COMPLETED,
            EventType.APP_STARTED, EventType.APP_FAILED, EventType.JOB_STOPPED, EventType.TUNNEL_READY, EventType.TUNNEL_FAILED);
    static final int MAX_TEXT = 2_000;
    static final int MAX_LOG_TAIL = 16_000;

    private final AllocationRepository allocations;
    private final IdempotentConsumer consumer;
    private final Outbox outbox;

    public StatusReportService(AllocationRepository allocations, IdempotentConsumer consumer, Outbox outbox) {
        this.allocations = allocations;
        this.consumer = consumer;
        this.outbox = outbox;
    }

    /** @return true if the report had an effect, false if it was a resend */
    public Uni<Boolean> accept(NodeAuthenticator.AuthenticatedNode node, String jobId, StatusReport report) {
        EventType type;
        EventPayload claimed;
        try {
            type = typeOf(report);
            claimed = EventCodec.mapper().treeToValue(report.payload(), type.payloadType());
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return Uni.createFrom().failure(new GatewayException(400, "REPORT_MALFORMED", "the report's payload is not a "
                    + report.type() + ": " + e.getMessage()));
        } catch (GatewayException e) {
            return Uni.createFrom().failure(e);
        }
        if (claimed == null || !jobId.equals(claimed.key())) {
            return Uni.createFrom().failure(new GatewayException(400, "REPORT_MALFORMED", "the report is about another job "
                    + "than the allocation it is sent to"));
        }
        Instant now = Instant.now();
        Instant at = report.time() == null || report.time().isAfter(now) ? now : report.time();
        // Per node: another node cannot take a report id and thereby suppress this node's report.
        UUID eventId = UUID.nameUUIDFromBytes(("deeploy node report\n" + node.nodeId() + "\n" + report.id())
                .getBytes(StandardCharsets.UTF_8));
        Event<EventPayload> marker = new Event<>(eventId, type.typeName(), type.schemaVersion(), jobId, at, claimed);
        return consumer.processOnce(CONSUMER, marker, () -> allocations.find(jobId, node.nodeId()).chain(allocation -> {
            if (allocation == null) {
                throw new GatewayException(404, "ALLOCATION_NOT_FOUND", "job " + jobId + " is not allocated to node " + node.nodeId());
            }
            if (type == EventType.JOB_STOPPED) {
                return stopped(node, allocation, report, (JobStopped) claimed, eventId, at);
            }
            if (!allocation.run()) {
                throw new GatewayException(409, "ALLOCATION_NOT_DESIRED", "job " + jobId + " is to stop on node " + node.nodeId()
                        + " (placement " + allocation.placement() + "): nothing about it is announced but its stop");
            }
            JobSpec spec = EventCodec.fromJson(allocation.spec(), JobSpec.class);
            EventPayload stamped = stamp(claimed, node, spec);
            Uni<Void> probeTarget = stamped instanceof AppStarted started
                    ? allocations.serving(jobId, node.nodeId(), started.port()) : Uni.createFrom().voidItem();
            return probeTarget.chain(() -> outbox.enqueue(new Event<>(eventId, type.typeName(), type.schemaVersion(), jobId, at,
                    stamped)));
        }));
    }

    private Uni<Void> stopped(NodeAuthenticator.AuthenticatedNode node, AllocationRepository.Row allocation, StatusReport report,
            JobStopped claimed, UUID eventId, Instant at) {
        if (allocation.run()) {
            throw new GatewayException(409, "ALLOCATION_NOT_STOPPING", "job " + allocation.jobId() + " is to run on node "
                    + node.nodeId() + ": a stop there is not confirmed");
        }
        if (report.placement() != allocation.placement()) {
            throw new GatewayException(409, "STALE_REPORT", "the stop confirmed is of placement " + report.placement()
                    + ", the one desired is of placement " + allocation.placement());
        }
        return allocations.confirmStop(allocation.jobId(), node.nodeId(), at).chain(news -> {
            if (!news || allocation.stopAnnounced()) {
                // Announced already (the node was lost meanwhile and the scheduler said so): the confirmation is all.
                return Uni.createFrom().voidItem();
            }
            LOG.infof("job %s stopped on node %s", allocation.jobId(), node.nodeId());
            return outbox.enqueue(new Event<>(eventId, EventType.JOB_STOPPED.typeName(), EventType.JOB_STOPPED.schemaVersion(),
                    allocation.jobId(), at, new JobStopped(allocation.jobId(), node.nodeId(), clip(claimed.reason(), MAX_TEXT))));
        });
    }

    static EventType typeOf(StatusReport report) {
        if (report == null || report.id() == null || report.type() == null || report.payload() == null) {
            throw new GatewayException(400, "REPORT_MALFORMED", "a report has an id, a type and a payload");
        }
        EventType type = EventType.byName(report.type());
        if (type == null || !REPORTABLE.contains(type)) {
            throw new GatewayException(400, "REPORT_TYPE_REFUSED", "a node reports only " + REPORTABLE.stream()
                    .map(EventType::typeName).toList());
        }
        return type;
    }

    /** The payload with everything the node does not decide replaced by what the platform knows. */
    static EventPayload stamp(EventPayload claimed, NodeAuthenticator.AuthenticatedNode node, JobSpec spec) {
        String nodeId = node.nodeId();
        if (claimed instanceof BuildStarted b) {
            return new BuildStarted(b.jobId(), nodeId, clip(b.buildId(), 100), clip(b.commit(), 100));
        }
        if (claimed instanceof BuildCompleted b) {
            return new BuildCompleted(b.jobId(), nodeId, clip(b.buildId(), 100), clip(b.commit(), 100), b.success(),
                    Math.max(0, b.durationMillis()), clip(b.failureReason(), MAX_TEXT), clip(b.logTail(), MAX_LOG_TAIL));
        }
        if (claimed instanceof AppStarted a) {
            if (a.port() < 1 || a.port() > 65535) {
                throw new GatewayException(400, "REPORT_MALFORMED", "an app's port is 1-65535");
            }
            // The revision is the node's word, kept within what the platform ever asked of it.
            long revision = Math.max(0, Math.min(a.revision(), spec.revision()));
            return new AppStarted(a.jobId(), nodeId, spec.alias(), clip(a.commit(), 200), clip(a.containerId(), 100), node.address(),
                    a.port(), revision);
        }
        if (claimed instanceof AppFailed a) {
            return new AppFailed(a.jobId(), nodeId, clip(a.commit(), 200), clip(a.reason(), MAX_TEXT), clip(a.logTail(), MAX_LOG_TAIL),
                    Math.max(0, a.restarts()));
        }
        if (claimed instanceof TunnelReady t) {
            if (!TunnelSettings.needsProcess(spec.tunnel()) || !spec.tunnel().engine().equals(t.engine())) {
                throw new GatewayException(409, "TUNNEL_NOT_DESIRED", "the job has no " + t.engine() + " tunnel");
            }
            if (t.url() == null || !t.url().startsWith("https://") || t.url().length() > 300) {
                throw new GatewayException(400, "REPORT_MALFORMED", "a tunnel's URL is https://...");
            }
            return new TunnelReady(t.jobId(), nodeId, spec.alias(), t.url(), t.engine());
        }
        TunnelFailed t = (TunnelFailed) claimed;
        return new TunnelFailed(t.jobId(), nodeId, clip(t.engine(), 20), clip(t.reason(), MAX_TEXT));
    }

    static String clip(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max) + "…";
    }
}
