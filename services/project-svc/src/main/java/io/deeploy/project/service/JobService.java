package io.deeploy.project.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.JobIds;
import io.deeploy.events.payload.FundingAccepted;
import io.deeploy.events.payload.FundsLocked;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.SettlementCompleted;
import io.deeploy.node.LogGrant;
import io.deeploy.outbox.Outbox;
import io.deeploy.project.client.EscrowClient;
import io.deeploy.project.config.BillingConfig;
import io.deeploy.project.repository.Job;
import io.deeploy.project.repository.JobRepository;
import io.deeploy.project.repository.JobRevisionRepository;
import io.deeploy.project.repository.JobTransition;
import io.deeploy.project.repository.JobTransitionRepository;
import io.deeploy.project.rest.CreateJobRequest;
import io.deeploy.project.rest.JobView;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.security.PrivateKey;
import java.util.UUID;

@ApplicationScoped
public class JobService {

    private final JobRepository jobs;
    private final JobTransitionRepository transitions;
    private final IdempotentCommands commands;
    private final Outbox outbox;
    private final JobSecretService secrets;
    private final BillingConfig billing;
    private final ProjectAccess access;
    private final FundingRules fundingRules;
    private final EscrowClient escrow;
    private final JobRevisionRepository revisions;

    public JobService(JobRepository jobs, JobTransitionRepository transitions, IdempotentCommands commands, Outbox outbox,
            JobSecretService secrets, BillingConfig billing, ProjectAccess access, FundingRules fundingRules,
            EscrowClient escrow, JobRevisionRepository revisions) {
        this.revisions = revisions;
        this.escrow = escrow;
        this.access = access;
        this.fundingRules = fundingRules;
        this.secrets = secrets;
        this.billing = billing;
        this.jobs = jobs;
        this.transitions = transitions;
        this.commands = commands;
        this.outbox = outbox;
    }

    /**
     * Stores the job, its first history step and JobRequested in one transaction. {@code spec} is the validated form of
     * {@code request} ({@link JobSpecValidator}), checked before this is called so that a bad request opens nothing.
     * The job belongs to the project's owner, whoever (a delegate, an API token) asked for it.
     */
    @WithTransaction
    public Uni<JobView> create(Caller caller, String projectId, JobSpec spec, CreateJobRequest request, String idempotencyKey) {
        return access.permitted(caller, projectId, Permission.CREATE)
                .chain(project -> commands.execute("job.create:" + caller.principal(), idempotencyKey, request, () ->
                        jobs.liveAliasTaken(spec.alias()).chain(taken -> {
                            if (taken) {
                                return Uni.createFrom().failure(new ApiException(409, "ALIAS_TAKEN", "alias",
                                        "another live job already uses the alias '" + spec.alias() + "'"));
                            }
                            String jobId = JobIds.newId();
                            return payment(jobId, spec, request.jobType()).chain(payment -> insert(jobId, project.owner,
                                    caller.describe(), projectId, spec, JobSpecValidator.secrets(request), payment));
                        })))
                .chain(outcome -> view(outcome.resourceId()));
    }

    /**
     * Escrow mode: how the job is to be paid for, from escrow-svc, which checks a named job type against the job's
     * resources (400 naming {@code jobType}) or chooses the cheapest that covers them. Null in unpaid mode, and when no
     * escrow-svc is configured (then only the funds' type is checked, when they arrive).
     */
    private Uni<JsonNode> payment(String jobId, JobSpec spec, Integer jobType) {
        if (billing.mode() != BillingConfig.Mode.ESCROW || billing.escrowUrl().isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        return escrow.payment(jobId, jobType, spec);
    }

    private Uni<String> insert(String jobId, String owner, String requestedBy, String projectId, JobSpec spec,
            Map<String, String> secretValues, JsonNode payment) {
        Instant now = Instant.now();
        Job job = new Job();
        job.id = jobId;
        if (payment != null) {
            job.jobType = payment.path("jobType").asInt();
            job.payment = payment.toString();
        }
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
                .chain(() -> revisions.insert(job.id, spec.revision(), job.spec, "created by " + requestedBy, now))
                .chain(() -> transitions.persist(transition(job.id, null, job.state, paid
                        ? "requested by " + requestedBy + "; waiting for its funds on chain (requestId " + JobIds.requestIdHexOf(job.id) + ")"
                        : "requested by " + requestedBy, null, now)))
                .replaceWithVoid();
        return (paid ? stored : stored.chain(() -> outbox.enqueue(Event.of(new JobRequested(job.id, projectId, owner, spec), now))))
                .replaceWith(job.id);
    }

    /**
     * Funds locked on chain for a job: a job waiting for them is requested (JobRequested) if they count for it
     * ({@link FundingRules}: its owner or a delegate paid, for its nodes, epochs and resources), and the escrow is told
     * which chain job funds it (FundingAccepted); otherwise it keeps waiting and says why, and a later offer may still
     * count. Runs in the idempotent consumer's transaction.
     */
    public Uni<Void> fundsLocked(FundsLocked funds, Event<?> event) {
        return jobs.findById(funds.jobId()).chain(job -> {
            if (job == null || job.state != JobState.AWAITING_FUNDS) {
                return Uni.createFrom().voidItem();
            }
            JobSpec spec = EventCodec.fromJson(job.spec, JobSpec.class);
            Instant now = event.time();
            return fundingRules.refusal(job, spec, funds).chain(refusal -> {
                if (refusal != null) {
                    job.lastError = refusal;
                    job.updatedAt = now;
                    return Uni.createFrom().voidItem();
                }
                job.state = JobState.REQUESTED;
                job.lastError = null;
                job.chainJobId = funds.chainJobId();
                job.fundsLocked = funds.amount();
                job.paidNodes = funds.nodes();
                job.paidCpuMillis = funds.typeCpuMillis();
                job.paidMemoryMb = funds.typeMemoryMb();
                job.updatedAt = now;
                return transitions.persist(transition(job.id, JobState.AWAITING_FUNDS, JobState.REQUESTED, "funded: "
                                + funds.amount() + " base units locked by " + funds.payer() + " as chain job " + funds.chainJobId()
                                + " (job type " + funds.jobType() + ", tx " + funds.transactionHash() + ")", event.id(), now))
                        // The escrow links the job to this chain job, and no other that named it.
                        .chain(() -> outbox.enqueue(Event.of(new FundingAccepted(job.id, funds.chainJobId()), now)))
                        .chain(() -> outbox.enqueue(Event.of(new JobRequested(job.id, job.projectId, job.owner, spec), now)));
            });
        });
    }

    @WithSession
    public Uni<JobView> get(Caller caller, String jobId) {
        return readable(caller, jobId).chain(job -> view(job.id));
    }

    /**
     * A short-lived grant to read the job's logs on its nodes ({@link LogGrant}), for whoever may read the job, signed
     * with this deployment's log-grant key, which nodes verify and cannot use.
     */
    @WithSession
    public Uni<LogAccess> logGrant(Caller caller, String jobId, PrivateKey grantKey, Duration ttl) {
        return readable(caller, jobId).map(job -> {
            Instant expiresAt = Instant.now().plus(ttl);
            return new LogAccess(job.id, LogGrant.issue(grantKey, job.id, expiresAt), expiresAt, job.nodeIdList());
        });
    }

    /** A log grant and the nodes that take it ({@code GET /api/jobs/{id}/logs} on each node's agent). */
    public record LogAccess(String jobId, String grant, Instant expiresAt, List<String> nodeIds) {
    }

    /**
     * An epoch of the job settled on chain: what went to node operators (in all, and by operator) and what was withheld
     * adds to the job's spend.
     * Only a job funded through its accepted chain job counts it. Runs in the idempotent consumer's transaction (each
     * settlement is announced once per job-epoch, and a redelivered one is not processed again).
     */
    public Uni<Void> settlementCompleted(SettlementCompleted settled, Event<?> event) {
        return jobs.findById(settled.jobId()).invoke(job -> {
            if (job == null || job.fundsLocked == null) {
                return;
            }
            job.fundsPaid = job.fundsPaid.add(settled.paid());
            job.fundsWithheld = job.fundsWithheld.add(settled.withheld());
            job.fundsByOperator = OperatorPayments.add(job.fundsByOperator, settled.operators());
            job.epochsSettled++;
            job.updatedAt = event.time();
        }).replaceWithVoid();
    }

    /**
     * A page of the project's jobs in creation order ({@link PageRequest}: {@code after} must be a job of the project).
     * Three queries whatever the page's length, one after another on the session.
     */
    @WithSession
    public Uni<PageRequest.Page<JobView>> list(Caller caller, String projectId, PageRequest request) {
        return access.readable(caller, projectId).chain(project -> request.after() == null ? Uni.createFrom().<Job>nullItem()
                : jobs.findById(request.after()).onItem().ifNull().failWith(() -> notAJobOf())
                        .invoke(job -> {
                            if (!job.projectId.equals(projectId)) {
                                throw notAJobOf();
                            }
                        }))
                .chain(from -> jobs.pageOfProject(projectId, from, request.fetch()))
                .chain(fetched -> {
                    List<Job> shown = request.shown(fetched);
                    return transitions.histories(shown.stream().map(job -> job.id).toList()).map(histories -> new PageRequest.Page<>(
                            shown.stream().map(job -> JobView.of(job, histories.getOrDefault(job.id, List.of()))).toList(),
                            request.nextAfter(fetched, job -> job.id)));
                });
    }

    private static ApiException notAJobOf() {
        return ApiException.invalid("after", "after is not a job of this project");
    }

    /**
     * Asks every node running the job to stop it. Stopping a job that is already stopping or stopped changes nothing,
     * so a retried stop is harmless.
     */
    @WithTransaction
    public Uni<JobView> stop(Caller caller, String jobId) {
        String reason = "stopped by " + caller.describe();
        return permittedJob(caller, jobId, Permission.REDEEM).chain(job -> {
            if (job.state == JobState.STOPPING || job.state == JobState.STOPPED) {
                return view(job.id);
            }
            return requestStop(job, reason, Instant.now()).chain(() -> view(job.id));
        });
    }

    /**
     * Stops a job that is neither stopping nor stopped, for {@code reason} (its owner, or the end of its paid time): a
     * job never requested is STOPPED at once; any other becomes STOPPING and JobStopRequested goes out. In the caller's
     * transaction.
     */
    Uni<Void> requestStop(Job job, String reason, Instant now) {
        JobState from = job.state;
        if (from == JobState.AWAITING_FUNDS) {
            // Never requested: nothing runs anywhere, so there is nothing to wait for.
            job.state = JobState.STOPPED;
            job.updatedAt = now;
            return transitions.persist(transition(job.id, from, JobState.STOPPED, reason + " before it was funded", null, now))
                    .chain(() -> secrets.deleteOfJob(job.id));
        }
        job.state = JobState.STOPPING;
        job.updatedAt = now;
        return transitions.persist(transition(job.id, from, JobState.STOPPING, reason, null, now))
                .chain(() -> outbox.enqueue(Event.of(new JobStopRequested(job.id, reason), now)));
    }

    /**
     * Unpaid mode: adds {@code epochs} to the job's paid time at once (the owner, or a delegate with the extend
     * permission), once per Idempotency-Key. (In escrow mode the chain job is extended on chain: {@link #extendableOnChain}.)
     */
    @WithTransaction
    public Uni<JobView> extend(Caller caller, String jobId, int epochs, Object request, String idempotencyKey) {
        return permittedJob(caller, jobId, Permission.EXTEND)
                .chain(job -> commands.execute("job.extend:" + job.id, idempotencyKey, request, () -> {
                    if (job.state == JobState.STOPPING || job.state == JobState.STOPPED) {
                        return Uni.createFrom().failure(ApiException.conflict("JOB_STOPPED", "job " + job.id + " is "
                                + job.state + ": a stopped job is not extended"));
                    }
                    JobExpiry.extendUnpaid(job, epochs, billing, Instant.now());
                    return Uni.createFrom().item(job.id);
                }))
                .chain(outcome -> view(outcome.resourceId()));
    }

    /**
     * Escrow mode: the job whose chain job the caller may extend (the owner, or a delegate with the extend permission):
     * live, and funded by an accepted chain job (409 JOB_STOPPED, JOB_NOT_FUNDED otherwise). Its owner's wallet then
     * extends it on chain, and its paid time follows once the chain confirms it (PaidPeriodChanged).
     */
    @WithSession
    public Uni<Job> extendableOnChain(Caller caller, String jobId) {
        return permittedJob(caller, jobId, Permission.EXTEND).invoke(job -> {
            if (job.state == JobState.STOPPING || job.state == JobState.STOPPED) {
                throw ApiException.conflict("JOB_STOPPED", "job " + job.id + " is " + job.state
                        + ": a stopped job is not extended");
            }
            if (job.chainJobId == null) {
                throw ApiException.conflict("JOB_NOT_FUNDED", "job " + job.id + " has no confirmed funds to extend: "
                        + "pay for it first (its fundingRequestId)");
            }
        });
    }

    /** The job if the caller holds {@code permission} on its project; missing if the caller cannot see the project. */
    Uni<Job> permittedJob(Caller caller, String jobId, Permission permission) {
        return inProject(jobId).chain(job -> access.permitted(caller, job.projectId, permission)
                .onFailure(ApiException.class).transform(e -> jobMissingIfProjectMissing((ApiException) e, jobId))
                .replaceWith(job));
    }

    /** The job if the caller may read its project; a job of a project the caller cannot see is reported missing. */
    Uni<Job> readable(Caller caller, String jobId) {
        return inProject(jobId).chain(job -> access.readable(caller, job.projectId)
                .onFailure(ApiException.class).transform(e -> jobMissingIfProjectMissing((ApiException) e, jobId))
                .replaceWith(job));
    }

    private Uni<Job> inProject(String jobId) {
        if (!Ids.wellFormed(jobId)) {
            return Uni.createFrom().failure(ApiException.notFound("JOB_NOT_FOUND", "no job " + jobId));
        }
        return jobs.findById(jobId).onItem().ifNull().failWith(() -> ApiException.notFound("JOB_NOT_FOUND", "no job " + jobId));
    }

    private static ApiException jobMissingIfProjectMissing(ApiException e, String jobId) {
        return e.status() == 404 ? ApiException.notFound("JOB_NOT_FOUND", "no job " + jobId) : e;
    }

    Uni<JobView> view(String jobId) {
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
