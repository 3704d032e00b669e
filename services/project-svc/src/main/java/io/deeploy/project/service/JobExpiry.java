package io.deeploy.project.service;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.JobExpiring;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.PaidPeriodChanged;
import io.deeploy.outbox.Outbox;
import io.deeploy.project.config.BillingConfig;
import io.deeploy.project.repository.Job;
import io.deeploy.project.repository.JobRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jboss.logging.Logger;

/**
 * A job's paid time, written down once: when it ends ({@code paidUntil}), the warning before it ends, and the stop at its
 * end. In escrow mode the end is the chain's: the end of the epochs the job's chain job pays for, set when it is
 * activated and moved when it is extended (PaidPeriodChanged from escrow-svc). In unpaid mode it is the job's
 * {@code durationEpochs} of {@code deeploy.billing.unpaid-epoch-length} from its first start. At the end the job stops
 * as an owner's stop does; escrow-svc then closes its chain job once the epochs it served are settled, which refunds
 * the owner what was not paid to node operators.
 */
@ApplicationScoped
public class JobExpiry {

    private static final Logger LOG = Logger.getLogger(JobExpiry.class);
    /** Jobs warned or stopped per check, so one transaction stays short; the next check takes the rest. */
    static final int BATCH = 50;

    private final BillingConfig billing;
    private final JobRepository jobs;
    private final JobService jobService;
    private final Outbox outbox;

    public JobExpiry(BillingConfig billing, JobRepository jobs, JobService jobService, Outbox outbox) {
        this.billing = billing;
        this.jobs = jobs;
        this.jobService = jobService;
        this.outbox = outbox;
    }

    /** Unpaid mode: the job's first start begins its duration. In the status consumer's transaction. */
    void started(Job job, Instant at) {
        if (billing.mode() != BillingConfig.Mode.UNPAID || job.paidUntil != null) {
            return;
        }
        int epochs = EventCodec.fromJson(job.spec, JobSpec.class).durationEpochs() + job.epochsExtended;
        // Milliseconds: what the database, the API and the events all keep exactly.
        job.paidUntil = at.plus(billing.unpaidEpochLength().multipliedBy(epochs)).truncatedTo(ChronoUnit.MILLIS);
    }

    /**
     * Unpaid mode: adds {@code epochs} to the job's duration, and to its end if it has started. The new end is warned of
     * in its turn, as in escrow mode (once per end). In the caller's transaction.
     */
    static void extendUnpaid(Job job, int epochs, BillingConfig billing, Instant now) {
        job.epochsExtended += epochs;
        if (job.paidUntil != null) {
            job.paidUntil = job.paidUntil.plus(billing.unpaidEpochLength().multipliedBy(epochs));
            job.expiryWarnedAt = null;
        }
        job.updatedAt = now;
    }

    /**
     * Escrow mode: the chain job accepted for the job was activated or extended: its end, and what it deposited (the
     * spend's {@code locked}, extensions included). A later end clears the warning given for the earlier one. In the
     * escrow consumer's transaction.
     */
    public Uni<Void> paidPeriodChanged(PaidPeriodChanged period, Event<?> event) {
        return jobs.findById(period.jobId()).invoke(job -> {
            if (job == null || job.chainJobId == null || !job.chainJobId.equals(period.chainJobId())
                    || job.state == JobState.STOPPING || job.state == JobState.STOPPED) {
                LOG.infof("paid period of chain job %s ignored for job %s", period.chainJobId(), period.jobId());
                return;
            }
            if (job.paidUntil == null || period.paidUntil().isAfter(job.paidUntil)) {
                job.expiryWarnedAt = null;
            }
            job.paidUntil = period.paidUntil();
            if (period.deposited() != null) {
                job.fundsLocked = period.deposited();
            }
            if (period.refunded() != null) {
                job.fundsRefunded = period.refunded();
            }
            job.updatedAt = event.time();
        }).replaceWithVoid();
    }

    @Scheduled(every = "${deeploy.billing.expiry-check-interval:5s}", delayed = "3s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> check() {
        Instant now = Instant.now();
        return Panache.withTransaction(() -> warn(now)).chain(() -> Panache.withTransaction(() -> expire(now)))
                .onFailure().invoke(e -> LOG.warnf("expiry check: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Announces JobExpiring, once per paid end, for jobs whose paid time ends within the warning window. */
    Uni<Integer> warn(Instant now) {
        return jobs.unwarnedPaidUntilBy(now.plus(billing.expiryWarning()), BATCH).chain(due -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (Job job : due) {
                job.expiryWarnedAt = now;
                job.updatedAt = now;
                LOG.infof("job %s: paid time ends at %s", job.id, job.paidUntil);
                chain = chain.chain(() -> outbox.enqueue(Event.of(new JobExpiring(job.id, job.paidUntil), now)));
            }
            return chain.replaceWith(due.size());
        });
    }

    /** Stops the jobs whose paid time has ended. */
    Uni<Integer> expire(Instant now) {
        return jobs.paidUntilBy(now, BATCH).chain(due -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (Job job : due) {
                String reason = "expired: its paid time ended at " + job.paidUntil;
                LOG.infof("job %s %s", job.id, reason);
                chain = chain.chain(() -> jobService.requestStop(job, reason, now));
            }
            return chain.replaceWith(due.size());
        });
    }
}
