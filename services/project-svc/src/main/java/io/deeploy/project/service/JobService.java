package io.deeploy.project.service;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.FundsLocked;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.outbox.Outbox;
import io.deeploy.project.config.BillingConfig;
import io.deeploy.project.repository.Job;
import io.deeploy.project.repository.JobRepository;
import io.deeploy.project.repository.JobTransition;
import io.deeploy.project.repository.JobTransitionRepository;
import io.deeploy.project.rest.CreateJobRequest;
import io.deeploy.project.rest.JobView;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

@ApplicationScoped
public class JobService {

    private final JobRepository jobs;
    private final JobTransitionRepository transitions;
    private final ProjectService projects;
    private final IdempotentCommands commands;
    private final Outbox outbox;
    private final JobSecretService secrets;
    private final BillingConfig billing;

    public JobService(JobRepository jobs, JobTransitionRepository transitions, ProjectService projects,
            IdempotentCommands commands, Outbox outbox, JobSecretService secrets, BillingConfig billing) {
        this.secrets = secrets;
        this.billing = billing;
        this.jobs = jobs;
        this.transitions = transitions;
        this.projects = projects;
        this.commands = commands;
        this.outbox = outbox;
    }

    /**
     * Stores the job, its first history step and JobRequested in one transaction. {@code spec} is the validated form of
     * {@code request} ({@link JobSpecValidator}), checked before this is called so that a bad request opens nothing.
     */
    @WithTransaction
    public Uni<JobView> create(String owner, String projectId, JobSpec spec, CreateJobRequest request, String idempotencyKey) {
        return projects.owned(owner, projectId)
                .chain(project -> commands.execute("job.create:" + owner, idempotencyKey, request, () ->
                        jobs.liveAliasTaken(spec.alias()).chain(taken -> {
                            if (taken) {
                                return Uni.createFrom().failure(new ApiException(409, "ALIAS_TAKEN", "alias",
                                        "another live job already uses the alias '" + spec.alias() + "'"));
                            }
                            return insert(owner, projectId, spec, JobSpecValidator.secrets(request));
                        })))
                .chain(outcome -> view(outcome.resourceId()));
    }

    private Uni<String> insert(String owner, String projectId, JobSpec spec, Map<String, String> secretValues) {
        Instant now = Instant.now();
        Job job = new Job();
        job.id = "job-" + UUID.randomUUID();
        job.projectId = projectId;
        job.alias = spec.alias();
        job.kind = spec.kind();
        job.spec = EventCodec.toJson(spec);
        boolean paid = billing.mode() == BillingConfig.Mode.ESCROW;
        job.state = paid ? JobState.AWAITING_FUNDS : JobState.REQUESTED;
        job.owner = owner;
        job.createdAt = now;
        job.updatedAt = now;
        // Flushed first: the secrets are written with native SQL and reference the job row.
        Uni<Void> stored = jobs.persistAndFlush(job)
                .chain(() -> secrets.store(job.id, secretValues))
                .chain(() -> transitions.persist(transition(job.id, null, job.state, paid
                        ? "requested by " + owner + "; waiting for its funds on chain (requestId " + requestIdOf(job.id) + ")"
                        : "requested by " + owner, null, now)))
                .replaceWithVoid();
        return (paid ? stored : stored.chain(() -> outbox.enqueue(Event.of(new JobRequested(job.id, projectId, owner, spec), now))))
                .replaceWith(job.id);
    }

    /**
     * The escrow's idempotency key for paying a job: the 16 bytes of the job's UUID followed by 16 zero bytes, hex;
     * escrow-svc recovers the job id from it (escrow-svc's JobIds).
     */
    public static String requestIdOf(String jobId) {
        UUID uuid = UUID.fromString(jobId.substring("job-".length()));
        return "0x" + String.format("%016x%016x", uuid.getMostSignificantBits(), uuid.getLeastSignificantBits()) + "0".repeat(32);
    }

    /**
     * Funds locked on chain for a job: a job waiting for them is requested (JobRequested) if they cover its node count
     * and duration; otherwise it keeps waiting and says why. Runs in the idempotent consumer's transaction.
     */
    public Uni<Void> fundsLocked(FundsLocked funds, Event<?> event) {
        return jobs.findById(funds.jobId()).chain(job -> {
            if (job == null || job.state != JobState.AWAITING_FUNDS) {
                return Uni.createFrom().voidItem();
            }
            JobSpec spec = EventCodec.fromJson(job.spec, JobSpec.class);
            Instant now = event.time();
            if (funds.nodes() < spec.targetNodeCount() || funds.epochs() < spec.durationEpochs()) {
                job.lastError = "funds locked for " + funds.nodes() + " node(s) x " + funds.epochs() + " epoch(s) (chain job "
                        + funds.chainJobId() + ") do not cover " + spec.targetNodeCount() + " node(s) x " + spec.durationEpochs()
                        + " epoch(s)";
                job.updatedAt = now;
                return Uni.createFrom().voidItem();
            }
            job.state = JobState.REQUESTED;
            job.lastError = null;
            job.updatedAt = now;
            return transitions.persist(transition(job.id, JobState.AWAITING_FUNDS, JobState.REQUESTED, "funded: " + funds.amount()
                    + " base units locked as chain job " + funds.chainJobId() + " (tx " + funds.transactionHash() + ")", event.id(), now))
                    .chain(() -> outbox.enqueue(Event.of(new JobRequested(job.id, job.projectId, job.owner, spec), now)));
        });
    }

    @WithSession
    public Uni<JobView> get(String owner, String jobId) {
        return owned(owner, jobId).chain(job -> view(job.id));
    }

    @WithSession
    public Uni<List<JobView>> list(String owner, String projectId) {
        return projects.owned(owner, projectId).chain(project -> jobs.listByProject(projectId))
                .chain(list -> Uni.join().all(list.stream().map(job -> view(job.id)).toList()).andFailFast()
                        .onItem().ifNull().continueWith(List::of));
    }

    /**
     * Asks every node running the job to stop it. Stopping a job that is already stopping or stopped changes nothing,
     * so a retried stop is harmless.
     */
    @WithTransaction
    public Uni<JobView> stop(String owner, String jobId, String reason) {
        return owned(owner, jobId).chain(job -> {
            if (job.state == JobState.STOPPING || job.state == JobState.STOPPED) {
                return view(job.id);
            }
            Instant now = Instant.now();
            JobState from = job.state;
            if (from == JobState.AWAITING_FUNDS) {
                // Never requested: nothing runs anywhere, so there is nothing to wait for.
                job.state = JobState.STOPPED;
                job.updatedAt = now;
                return transitions.persist(transition(job.id, from, JobState.STOPPED, reason + " before it was funded", null, now))
                        .chain(() -> secrets.deleteOfJob(job.id)).chain(() -> view(job.id));
            }
            job.state = JobState.STOPPING;
            job.updatedAt = now;
            return transitions.persist(transition(job.id, from, JobState.STOPPING, reason, null, now))
                    .chain(() -> outbox.enqueue(Event.of(new JobStopRequested(job.id, reason), now)))
                    .chain(() -> view(job.id));
        });
    }

    Uni<Job> owned(String owner, String jobId) {
        return jobs.findById(jobId).chain(job -> job == null
                ? Uni.createFrom().failure(ApiException.notFound("JOB_NOT_FOUND", "no job " + jobId))
                : projects.owned(owner, job.projectId)
                        .onFailure(ApiException.class).transform(e -> ApiException.notFound("JOB_NOT_FOUND", "no job " + jobId))
                        .replaceWith(job));
    }

    private Uni<JobView> view(String jobId) {
        return jobs.findById(jobId).chain(job -> transitions.history(jobId).map(history -> JobView.of(job, history)));
    }

    static JobTransition transition(String jobId, JobState from, JobState to, String reason, UUID eventId, Instant at) {
        JobTransition transition = new JobTransition();
        transition.jobId = jobId;
        transition.fromState = from;
        transition.toState = to;
        transition.reason = reason;
        transition.eventId = eventId;
        transition.at = at;
        return transition;
    }
}
