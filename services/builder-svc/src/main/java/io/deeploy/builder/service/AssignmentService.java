package io.deeploy.builder.service;

import io.deeploy.builder.config.NodeConfig;
import io.deeploy.builder.repository.Assignment;
import io.deeploy.builder.repository.AssignmentRepository;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.outbox.Outbox;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Keeps this node's assignments in step with the scheduler's decisions. Runs inside the idempotent consumer's
 * transaction. Building and running the app in containers hangs off these transitions (Worker App Runner).
 */
@ApplicationScoped
public class AssignmentService {

    private static final Logger LOG = Logger.getLogger(AssignmentService.class);

    private final AssignmentRepository assignments;
    private final Outbox outbox;
    private final String nodeId;

    public AssignmentService(AssignmentRepository assignments, Outbox outbox, NodeConfig node) {
        this.assignments = assignments;
        this.outbox = outbox;
        this.nodeId = node.id();
    }

    public Uni<Void> selected(NodeSelected selected, Instant at) {
        boolean mine = selected.nodeIds().contains(nodeId);
        return assignments.findById(selected.jobId()).chain(current -> {
            if (current != null && current.placement >= selected.placement()) {
                return Uni.createFrom().voidItem();
            }
            if (!mine) {
                // A newer placement moved the job away from this node.
                return current != null && current.state == Assignment.State.ASSIGNED
                        ? stop(current, "moved to " + String.join(",", selected.nodeIds()), at)
                        : Uni.createFrom().voidItem();
            }
            Assignment assignment = current == null ? new Assignment() : current;
            assignment.jobId = selected.jobId();
            assignment.state = Assignment.State.ASSIGNED;
            assignment.placement = selected.placement();
            assignment.cpu = selected.spec().resources().cpuMillis();
            assignment.memory = selected.spec().resources().memoryMb();
            assignment.gpu = selected.spec().resources().gpus();
            assignment.spec = encode(selected);
            assignment.reason = "placed: " + selected.reason();
            assignment.updatedAt = at;
            LOG.infof("job %s assigned to this node (placement %d)", selected.jobId(), selected.placement());
            return current == null ? assignments.persist(assignment).replaceWithVoid() : Uni.createFrom().voidItem();
        });
    }

    public Uni<Void> stopRequested(String jobId, String reason, Instant at) {
        return assignments.findById(jobId).chain(current -> current == null || current.state == Assignment.State.STOPPED
                ? Uni.createFrom().voidItem()
                : stop(current, reason, at));
    }

    private Uni<Void> stop(Assignment assignment, String reason, Instant at) {
        assignment.state = Assignment.State.STOPPED;
        assignment.reason = reason;
        assignment.updatedAt = at;
        LOG.infof("job %s stopped on this node: %s", assignment.jobId, reason);
        return outbox.enqueue(Event.of(new JobStopped(assignment.jobId, nodeId, reason), at));
    }

    private static String encode(NodeSelected selected) {
        try {
            return EventCodec.mapper().writeValueAsString(selected.spec());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
