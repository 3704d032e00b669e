package io.deeploy.builder.service;

import io.deeploy.builder.config.NodeConfig;
import io.deeploy.builder.repository.Assignment;
import io.deeploy.builder.repository.AssignmentRepository;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.RepoChanged;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Keeps this node's assignments in step with the scheduler's decisions. Runs inside the idempotent consumer's
 * transaction and says what to do once it commits ({@link Action}); the {@link Deployer} does it.
 */
@ApplicationScoped
public class AssignmentService {

    private static final Logger LOG = Logger.getLogger(AssignmentService.class);

    private final AssignmentRepository assignments;
    private final String nodeId;

    public AssignmentService(AssignmentRepository assignments, NodeConfig node) {
        this.assignments = assignments;
        this.nodeId = node.id();
    }

    /** What the agent does once the transaction that recorded a decision has committed. */
    public record Action(Kind kind, String jobId, JobSpec spec, String reason) {

        public enum Kind {
            NONE,
            DEPLOY,
            STOP
        }

        public static final Action NONE = new Action(Kind.NONE, null, null, null);
    }

    public Uni<Action> selected(NodeSelected selected, Instant at) {
        boolean mine = selected.nodeIds().contains(nodeId);
        return assignments.findById(selected.jobId()).chain(current -> {
            if (current != null && current.placement >= selected.placement()) {
                return Uni.createFrom().item(Action.NONE);
            }
            if (!mine) {
                // A newer placement moved the job away from this node.
                return current != null && current.state == Assignment.State.ASSIGNED
                        ? Uni.createFrom().item(stop(current, "moved to " + String.join(",", selected.nodeIds()), at))
                        : Uni.createFrom().item(Action.NONE);
            }
            Assignment assignment = current == null ? new Assignment() : current;
            assignment.jobId = selected.jobId();
            assignment.nodeId = nodeId;
            assignment.state = Assignment.State.ASSIGNED;
            assignment.placement = selected.placement();
            assignment.cpu = selected.spec().resources().cpuMillis();
            assignment.memory = selected.spec().resources().memoryMb();
            assignment.gpu = selected.spec().resources().gpus();
            assignment.spec = EventCodec.toJson(selected.spec());
            assignment.reason = "placed: " + selected.reason();
            assignment.updatedAt = at;
            LOG.infof("job %s assigned to this node (placement %d)", selected.jobId(), selected.placement());
            Action deploy = new Action(Action.Kind.DEPLOY, selected.jobId(), selected.spec(), selected.reason());
            return current == null ? assignments.persist(assignment).replaceWith(deploy) : Uni.createFrom().item(deploy);
        });
    }

    /** A watched branch moved: redeploy the job if it still runs here. */
    public Uni<Action> repoChanged(RepoChanged changed) {
        if (!nodeId.equals(changed.nodeId())) {
            return Uni.createFrom().item(Action.NONE);
        }
        return assignments.findById(changed.jobId()).map(current -> current == null || current.state != Assignment.State.ASSIGNED
                ? Action.NONE
                : new Action(Action.Kind.DEPLOY, current.jobId, EventCodec.fromJson(current.spec, JobSpec.class), "commit " + changed.newCommit()));
    }

    public Uni<Action> stopRequested(String jobId, String reason, Instant at) {
        return assignments.findById(jobId).map(current -> current == null || current.state == Assignment.State.STOPPED
                ? Action.NONE
                : stop(current, reason, at));
    }

    /** Marks the assignment stopped; the deployer removes the containers and then confirms with JobStopped. */
    private Action stop(Assignment assignment, String reason, Instant at) {
        assignment.state = Assignment.State.STOPPED;
        assignment.reason = reason;
        assignment.updatedAt = at;
        LOG.infof("job %s stopping on this node: %s", assignment.jobId, reason);
        return new Action(Action.Kind.STOP, assignment.jobId, null, reason);
    }
}
