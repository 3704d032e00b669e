package io.deeploy.project.service;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobSpecChanged;
import io.deeploy.events.payload.PaidPeriodChanged;
import io.deeploy.outbox.Outbox;
import io.deeploy.project.config.BillingConfig;
import io.deeploy.project.repository.Job;
import io.deeploy.project.repository.JobRepository;
import io.deeploy.project.repository.JobRevisionRepository;
import io.deeploy.project.repository.JobTransitionRepository;
import io.deeploy.project.rest.EditJobRequest;
import io.deeploy.project.rest.JobView;
import io.deeploy.project.rest.RollbackJobRequest;
import io.deeploy.project.rest.ScaleJobRequest;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * New revisions of a live job's spec: edit, restart, redeploy, rollback and resume. Each stores the next revision (the
 * job's spec, its version history and a history step, in one transaction) and announces it (JobSpecChanged), once per
 * Idempotency-Key; the nodes then deploy it beside what serves and switch to it once it is healthy, so the alias and
 * URL stay and nothing stops serving. A job waiting for its funds just takes the new spec, which is what it will run.
 * The owner, or a delegate with the create permission, may do this; a stopping or stopped job is 409 JOB_STOPPED.
 */
@ApplicationScoped
public class JobLifecycle {

    private final JobService jobs;
    private final JobRepository jobRows;
    private final JobRevisionRepository revisions;
    private final JobTransitionRepository transitions;
    private final JobSecretService secrets;
    private final IdempotentCommands commands;
    private final Outbox outbox;
    private final BillingConfig billing;

    public JobLifecycle(JobService jobs, JobRepository jobRows, JobRevisionRepository revisions,
            JobTransitionRepository transitions, JobSecretService secrets, IdempotentCommands commands, Outbox outbox,
            BillingConfig billing) {
        this.billing = billing;
        this.jobs = jobs;
        this.jobRows = jobRows;
        this.revisions = revisions;
        this.transitions = transitions;
        this.secrets = secrets;
        this.commands = commands;
        this.outbox = outbox;
    }

    /** What a revision changes: the next spec, the secret values it sets, and why (for the history). */
    record Revision(JobSpec spec, Map<String, String> secretValues, String reason) {
    }

    /**
     * The edit applied by {@link JobSpecValidator#edited} (a 400 naming the field, and nothing changed, if it is bad). In
     * escrow mode new resources must stay within the job type paid for ({@link FundingRules#editRefusal}); the scheduler
     * moves the job off a node that lacks room for them.
     */
    @WithTransaction
    public Uni<JobView> edit(Caller caller, String jobId, EditJobRequest edit, JobSpecValidator.Rules rules, String key) {
        return revise(caller, jobId, key, edit, Permission.CREATE, (job, current) -> Uni.createFrom().item(() -> {
            JobSpec next = JobSpecValidator.edited(current, edit, rules);
            requirePaidFor(job, current, next);
            return new Revision(next, JobSpecValidator.secrets(edit), "edited by " + caller.describe());
        }));
    }

    /** Escrow mode: new resources must stay within the job type paid for ({@link FundingRules#editRefusal}). */
    private void requirePaidFor(Job job, JobSpec current, JobSpec next) {
        if (billing.mode() == BillingConfig.Mode.ESCROW && !next.resources().equals(current.resources())) {
            ApiException refusal = FundingRules.editRefusal(job, next.resources());
            if (refusal != null) {
                throw refusal;
            }
        }
    }

    /**
     * The same spec as a new revision, deployed anew on every node beside what serves: a WAR job's branch head (or its
     * pinned commit) fetched and built again, a CAR job's image pulled again. Restart and redeploy do the same today and
     * differ only in what the history says ({@code verb}: "restarted", "redeployed").
     */
    @WithTransaction
    public Uni<JobView> deployAgain(Caller caller, String jobId, String verb, String key) {
        return revise(caller, jobId, key, verb, Permission.CREATE, (job, current) -> Uni.createFrom().item(new Revision(
                current.withRevision(current.revision() + 1), Map.of(), verb + " by " + caller.describe())));
    }

    /**
     * Back to an earlier revision's spec and/or a commit that served ({@link RollbackJobRequest}). A commit pins the job
     * (auto-deploy paused until {@link #resume}); 404 REVISION_NOT_FOUND / COMMIT_NOT_SERVED name what was never there.
     * Only what an edit may change is rolled back ({@link JobSpecValidator#rolledBack}): the job keeps its nodes.
     */
    @WithTransaction
    public Uni<JobView> rollback(Caller caller, String jobId, RollbackJobRequest request, String key) {
        return revise(caller, jobId, key, request, Permission.CREATE, (job, current) -> revisions.ofJob(job.id)
                .chain(known -> revisions.buildsOf(job.id).map(builds -> {
                    JobSpec base = current;
                    String to = "";
                    if (request.revision() != null) {
                        base = known.stream().filter(r -> r.revision() == request.revision()).findFirst()
                                .map(r -> JobSpecValidator.rolledBack(current, EventCodec.fromJson(r.spec(), JobSpec.class)))
                                .orElseThrow(() -> new ApiException(404, "REVISION_NOT_FOUND", "revision",
                                        "job " + job.id + " has no revision " + request.revision()));
                        requirePaidFor(job, current, base);
                        to = "revision " + request.revision();
                    }
                    if (request.commit() != null) {
                        if (current.kind() != JobKind.WAR) {
                            throw ApiException.invalid("commit", "a CAR job has no commits; roll back to a revision");
                        }
                        String commit = request.commit().strip();
                        if (builds.stream().noneMatch(b -> b.version().equals(commit))) {
                            throw new ApiException(404, "COMMIT_NOT_SERVED", "commit", "commit " + commit
                                    + " never served job " + job.id + " (GET /api/jobs/{id}/versions lists those that did)");
                        }
                        base = base.withVcs(base.vcs().pinnedTo(commit));
                        to = (to.isEmpty() ? "" : to + ", ") + "commit " + commit + " (auto-deploy paused)";
                    }
                    return new Revision(base.withRevision(current.revision() + 1), Map.of(),
                            "rolled back to " + to + " by " + caller.describe());
                })));
    }

    /**
     * The job on the nodes {@code request} names or counts ({@link JobSpecValidator#scaled}): a new revision, which the
     * scheduler places keeping the nodes the job runs on wherever it can (more nodes are added beside them, fewer drop
     * the newest), so what serves goes on serving. The nodes permission. In escrow mode this is for as many nodes as
     * the chain job pays for; fewer are given up on chain by escrow-svc, and their epochs from the next one refunded.
     */
    @WithTransaction
    public Uni<JobView> scale(Caller caller, String jobId, ScaleJobRequest request, String key) {
        return revise(caller, jobId, key, request, Permission.NODES, (job, current) -> Uni.createFrom().item(() -> {
            JobSpecValidator.NodeChoice nodes = JobSpecValidator.scaled(current, request);
            return new Revision(current.withNodes(nodes.targetNodes(), nodes.count()).withRevision(current.revision() + 1),
                    Map.of(), "scaled to " + describe(nodes) + " by " + caller.describe());
        }));
    }

    /**
     * Escrow mode: how many nodes the chain job must be given first for {@code request} (null when it pays for enough
     * already, and {@link #scale} applies it at once). Checks what {@link #scale} checks, and that the job is funded (409
     * JOB_NOT_FUNDED: a job still waiting for its funds is paid for as it was asked).
     */
    @WithSession
    public Uni<Integer> nodesToBuy(Caller caller, String jobId, ScaleJobRequest request) {
        return jobs.permittedJob(caller, jobId, Permission.NODES).map(job -> {
            requireLive(job);
            if (job.chainJobId == null) {
                throw ApiException.conflict("JOB_NOT_FUNDED", "job " + job.id + " has no confirmed funds: pay for it first");
            }
            JobSpecValidator.NodeChoice nodes = JobSpecValidator.scaled(EventCodec.fromJson(job.spec, JobSpec.class), request);
            return job.paidNodes == null || nodes.count() > job.paidNodes ? nodes.count() : null;
        });
    }

    /** Escrow mode: keeps {@code request} until the chain confirms the nodes it needs ({@link #paidNodesChanged}). */
    @WithTransaction
    public Uni<Void> awaitNodesPaid(String jobId, ScaleJobRequest request) {
        return jobRows.findById(jobId).invoke(job -> {
            job.pendingNodes = EventCodec.toJson(request);
            job.updatedAt = Instant.now();
        }).replaceWithVoid();
    }

    /**
     * The chain confirmed how many nodes the job's chain job pays for ({@code PaidPeriodChanged.nodes}, 0 if not said).
     * A job scaled up on chain takes the nodes its owner asked for (kept by {@link #awaitNodesPaid}) if they are paid
     * for, or else, if it counts its nodes, as many as are paid: a new revision, as {@link #scale} makes. In the escrow
     * consumer's transaction.
     */
    public Uni<Void> paidNodesChanged(PaidPeriodChanged period, Event<?> event) {
        if (period.nodes() <= 0) {
            return Uni.createFrom().voidItem();
        }
        return jobRows.findById(period.jobId()).chain(job -> {
            if (job == null || job.chainJobId == null || !job.chainJobId.equals(period.chainJobId())
                    || job.state == JobState.STOPPING || job.state == JobState.STOPPED) {
                return Uni.createFrom().voidItem();
            }
            job.paidNodes = period.nodes();
            JobSpec current = EventCodec.fromJson(job.spec, JobSpec.class);
            ScaleJobRequest asked = job.pendingNodes == null ? null : EventCodec.fromJson(job.pendingNodes, ScaleJobRequest.class);
            JobSpecValidator.NodeChoice nodes;
            try {
                nodes = asked != null ? JobSpecValidator.scaled(current, asked)
                        : current.targetNodes().isEmpty() ? new JobSpecValidator.NodeChoice(List.of(), period.nodes()) : null;
            } catch (ApiException e) {
                nodes = null; // asked for what the job runs on already
            }
            if (nodes == null || nodes.count() > period.nodes() || nodes.count() <= current.nodeCount()) {
                return Uni.createFrom().voidItem();
            }
            job.pendingNodes = null;
            return apply(job, new Revision(current.withNodes(nodes.targetNodes(), nodes.count())
                    .withRevision(current.revision() + 1), Map.of(), "scaled to " + describe(nodes) + ", paid for on chain"
                    + " (chain job " + period.chainJobId() + ")")).replaceWithVoid();
        });
    }

    /**
     * A push to the job's branch that its webhook verified ({@link JobWebhookService#deliver}): the same spec as a new
     * revision, so every node fetches and deploys the branch's head now, as a redeploy does; once per delivery (a forge
     * delivers again when it saw no answer). Returns the job's revision after it. In the caller's transaction.
     */
    public Uni<Long> redeployOnPush(Job job, ForgePush push) {
        return commands.execute("job.push:" + job.id, push.delivery(), push.commit(), () -> {
            requireLive(job);
            JobSpec current = EventCodec.fromJson(job.spec, JobSpec.class);
            return apply(job, new Revision(current.withRevision(current.revision() + 1), Map.of(), "redeployed on a push of "
                    + push.commit() + " to " + push.branch() + " (" + push.forge() + " webhook)"));
        }).map(outcome -> EventCodec.fromJson(job.spec, JobSpec.class).revision());
    }

    private static String describe(JobSpecValidator.NodeChoice nodes) {
        return nodes.targetNodes().isEmpty() ? nodes.count() + " node(s)" : String.join(",", nodes.targetNodes());
    }

    private static void requireLive(Job job) {
        if (job.state == JobState.STOPPING || job.state == JobState.STOPPED) {
            throw ApiException.conflict("JOB_STOPPED", "job " + job.id + " is " + job.state + ": a stopped job is not changed");
        }
    }

    /** Unpins a rolled-back WAR job: its branch's head is deployed again, and every new commit after it. */
    @WithTransaction
    public Uni<JobView> resume(Caller caller, String jobId, String key) {
        return revise(caller, jobId, key, "resume", Permission.CREATE, (job, current) -> {
            if (current.vcs() == null || !current.vcs().pinned()) {
                throw ApiException.conflict("NOT_PAUSED", "job " + job.id + " follows its branch already");
            }
            return Uni.createFrom().item(new Revision(current.withVcs(current.vcs().pinnedTo(null))
                    .withRevision(current.revision() + 1), Map.of(), "auto-deploy resumed by " + caller.describe()));
        });
    }

    /** The job's revisions (newest first) and what served it, for whoever may read the job. */
    @WithSession
    public Uni<Versions> versions(Caller caller, String jobId) {
        return jobs.readable(caller, jobId).chain(job -> revisions.ofJob(job.id)
                .chain(known -> revisions.buildsOf(job.id).map(builds -> new Versions(job.id,
                        EventCodec.fromJson(job.spec, JobSpec.class).revision(), job.runningRevision,
                        known.stream().map(r -> new Versions.Revision(r.revision(), r.reason(), r.createdAt(),
                                r.firstServedAt(), EventCodec.fromJson(r.spec(), JobSpec.class))).toList(),
                        builds.stream().map(b -> new Versions.Served(b.version(), b.revision(), b.firstServedAt())).toList()))));
    }

    /** {@code GET /api/jobs/{id}/versions}: the revision desired, the one serving, every revision and what served. */
    public record Versions(String jobId, long revision, Long runningRevision, List<Revision> revisions, List<Served> served) {

        public record Revision(long revision, String reason, Instant createdAt, Instant firstServedAt, JobSpec spec) {
        }

        /** A commit (WAR) or image (CAR) that served, and the revision it first served in. */
        public record Served(String version, long revision, Instant firstServedAt) {
        }
    }

    private Uni<JobView> revise(Caller caller, String jobId, String key, Object request, Permission permission,
            BiFunction<Job, JobSpec, Uni<Revision>> next) {
        return jobs.permittedJob(caller, jobId, permission)
                .chain(job -> commands.execute("job.revise:" + job.id, key, request, () -> {
                    requireLive(job);
                    JobSpec current = EventCodec.fromJson(job.spec, JobSpec.class);
                    return next.apply(job, current).chain(revision -> apply(job, revision));
                }))
                .chain(outcome -> jobs.view(outcome.resourceId()));
    }

    private Uni<String> apply(Job job, Revision revision) {
        Instant now = Instant.now();
        long number = revision.spec().revision();
        String reason = "revision " + number + ": " + revision.reason();
        job.spec = EventCodec.toJson(revision.spec());
        job.updatedAt = now;
        Uni<Void> stored = secrets.store(job.id, revision.secretValues())
                .chain(() -> revisions.insert(job.id, number, job.spec, revision.reason(), now))
                .chain(() -> transitions.persist(JobService.transition(job.id, job.state, job.state, reason, null, now)))
                .replaceWithVoid();
        // Not requested yet (waiting for funds): JobRequested will carry this spec.
        return (job.state == JobState.AWAITING_FUNDS ? stored
                : stored.chain(() -> outbox.enqueue(Event.of(new JobSpecChanged(job.id, revision.spec(), reason), now))))
                .replaceWith(job.id);
    }
}
