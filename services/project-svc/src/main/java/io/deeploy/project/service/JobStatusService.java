package io.deeploy.project.service;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.AppFailed;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.BuildCompleted;
import io.deeploy.events.payload.BuildStarted;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.RouteReady;
import io.deeploy.events.payload.TunnelFailed;
import io.deeploy.events.payload.TunnelReady;
import io.deeploy.events.payload.TunnelSettings;
import io.deeploy.project.repository.Job;
import io.deeploy.project.repository.JobRepository;
import io.deeploy.project.repository.JobRevisionRepository;
import io.deeploy.project.repository.JobTransitionRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Follows a job through the status events of the scheduler, agents and tunnels. Runs inside the idempotent consumer's
 * transaction; an event that the state machine does not allow (late or out of order) is logged and ignored.
 */
@ApplicationScoped
public class JobStatusService {

    private static final Logger LOG = Logger.getLogger(JobStatusService.class);
    /** Starts the lastError of a tunnel engine's failure, so that the engine's later success can clear it. */
    static final String TUNNEL_ERROR_PREFIX = "tunnel ";

    private final JobRepository jobs;
    private final JobTransitionRepository transitions;
    private final JobSecretService secrets;
    private final JobExpiry expiry;
    private final JobRevisionRepository revisions;

    public JobStatusService(JobRepository jobs, JobTransitionRepository transitions, JobSecretService secrets,
            JobExpiry expiry, JobRevisionRepository revisions) {
        this.revisions = revisions;
        this.jobs = jobs;
        this.transitions = transitions;
        this.secrets = secrets;
        this.expiry = expiry;
    }

    public Uni<Void> apply(Event<?> event) {
        String jobId = event.key();
        return jobs.findById(jobId).chain(job -> {
            if (job == null) {
                // Another deployment's job, or one deleted since: nothing of ours to update.
                LOG.debugf("%s for unknown job %s ignored", event.type(), jobId);
                return Uni.createFrom().voidItem();
            }
            return applyTo(job, event);
        });
    }

    private Uni<Void> applyTo(Job job, Event<?> event) {
        Instant at = event.time();
        Object payload = event.payload();
        if (payload instanceof NodeSelected selected) {
            job.nodeIds = String.join(",", selected.nodeIds());
            return move(job, JobState.SCHEDULED, "placed on " + job.nodeIds + " (" + selected.reason() + ")", event);
        }
        if (payload instanceof BuildStarted started) {
            JobState target = job.state == JobState.RUNNING ? JobState.REDEPLOYING : JobState.BUILDING;
            return move(job, target, "building " + started.commit() + " on " + started.nodeId(), event);
        }
        if (payload instanceof BuildCompleted completed && !completed.success()) {
            job.lastError = "build of " + completed.commit() + " failed: " + completed.failureReason();
            job.updatedAt = at;
            return keepServingOrFail(job, job.lastError, event);
        }
        if (payload instanceof AppStarted started) {
            job.runningCommit = started.commit();
            job.lastError = null;
            // Deliveries of several nodes and revisions may interleave: the newest revision that serves is shown.
            job.runningRevision = job.runningRevision == null ? started.revision() : Math.max(job.runningRevision, started.revision());
            if (job.state != JobState.STOPPING && job.state != JobState.STOPPED) {
                expiry.started(job, at);
            }
            return revisions.served(job.id, started.revision(), started.commit(), at)
                    .chain(() -> move(job, JobState.RUNNING, "serving " + started.commit() + " (revision " + started.revision()
                            + ") on " + started.nodeId(), event));
        }
        if (payload instanceof AppFailed failed) {
            job.lastError = failed.reason();
            job.updatedAt = at;
            return keepServingOrFail(job, failed.reason(), event);
        }
        if (payload instanceof TunnelReady || payload instanceof TunnelFailed || payload instanceof RouteReady) {
            applyTunnel(job, payload, at);
            return Uni.createFrom().voidItem();
        }
        if (payload instanceof JobStopped stopped) {
            List<String> remaining = new ArrayList<>(nodes(job));
            if (stopped.nodeId() != null) {
                remaining.remove(stopped.nodeId());
            }
            job.nodeIds = String.join(",", remaining);
            job.updatedAt = at;
            // A stopped job's secrets are of no further use to anyone: they go with the last node's confirmation.
            return remaining.isEmpty() && job.state == JobState.STOPPING
                    ? move(job, JobState.STOPPED, "stopped" + (stopped.nodeId() == null ? "" : " on " + stopped.nodeId()), event)
                            .chain(() -> secrets.deleteOfJob(job.id))
                    : Uni.createFrom().voidItem();
        }
        return Uni.createFrom().voidItem();
    }

    /**
     * A tunnel's news changes the job's URL or its lastError, never its state: the app serves either way. With an engine
     * of its own (cloudflare, ngrok) the job's URL is that engine's; the ingress's route (RouteReady, from tunnel-svc)
     * only stands in until the engine is up, and may arrive after it. A failure of the engine is shown until the engine
     * serves, but not over the reason a job failed, nor once it is stopping.
     */
    static void applyTunnel(Job job, Object payload, Instant at) {
        if (payload instanceof RouteReady route) {
            boolean ownEngine = TunnelSettings.needsProcess(EventCodec.fromJson(job.spec, JobSpec.class).tunnel());
            if (!ownEngine || job.url == null) {
                job.url = route.url();
            }
            job.updatedAt = at;
        } else if (payload instanceof TunnelReady ready) {
            job.url = ready.url();
            if (job.lastError != null && job.lastError.startsWith(TUNNEL_ERROR_PREFIX)) {
                job.lastError = null;
            }
            job.updatedAt = at;
        } else if (payload instanceof TunnelFailed failed
                && job.state != JobState.FAILED && job.state != JobState.STOPPING && job.state != JobState.STOPPED) {
            job.lastError = TUNNEL_ERROR_PREFIX + "(" + failed.engine() + ") on " + failed.nodeId() + ": " + failed.reason();
            job.updatedAt = at;
        }
    }

    /** A failed redeploy leaves the previous version serving; a failure with nothing serving fails the job. */
    private Uni<Void> keepServingOrFail(Job job, String reason, Event<?> event) {
        return job.runningCommit != null && job.state == JobState.REDEPLOYING
                ? move(job, JobState.RUNNING, reason + "; still serving " + job.runningCommit, event)
                : move(job, JobState.FAILED, reason, event);
    }

    private Uni<Void> move(Job job, JobState target, String reason, Event<?> event) {
        if (job.state == target && target != JobState.SCHEDULED) {
            return Uni.createFrom().voidItem();
        }
        if (!job.state.canMoveTo(target)) {
            LOG.infof("job %s: %s ignored in state %s", job.id, event.type(), job.state);
            return Uni.createFrom().voidItem();
        }
        JobState from = job.state;
        job.state = target;
        job.updatedAt = event.time();
        return transitions.persist(JobService.transition(job.id, from, target, reason, event.id(), event.time())).replaceWithVoid();
    }

    private static List<String> nodes(Job job) {
        return job.nodeIds.isEmpty() ? List.of() : Arrays.asList(job.nodeIds.split(","));
    }
}
