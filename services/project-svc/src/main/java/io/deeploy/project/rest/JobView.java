package io.deeploy.project.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.EventCodec;
import io.deeploy.events.JobIds;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.project.repository.Job;
import io.deeploy.project.repository.JobTransition;
import io.deeploy.project.service.JobState;
import io.deeploy.project.service.OperatorPayments;
import java.time.Instant;
import java.util.List;

/**
 * A job as the API shows it: where it runs, what it runs (its {@code spec}, whose {@code revision} is the one desired;
 * {@code runningRevision}, the newest that served), where to reach it, how it got there, how it is paid for
 * ({@code jobType}; {@code payment} until funded), what it has spent, and when its paid time ends ({@code paidUntil},
 * {@code secondsLeft}; {@code expiringSoon} once JobExpiring went out).
 */
public record JobView(String id, String projectId, String alias, String kind, String state, List<String> nodes,
        String runningCommit, Long runningRevision, String url, String lastError, Instant createdAt, Instant updatedAt,
        JobSpec spec, List<Transition> history, String fundingRequestId, Integer jobType, JsonNode payment, Spend spend,
        Instant paidUntil, Long secondsLeft, boolean expiringSoon) {

    /**
     * What the job's funds became (escrow billing; null until funded), in token base units: locked by its chain job,
     * paid to node operators (in all, and to each operator's address) and withheld for refund over the epochs settled so
     * far, refunded to the owner for nodes removed, and what remains; and how many nodes the chain job pays for.
     */
    public record Spend(String chainJobId, String locked, String paid, List<OperatorPaid> operators, String withheld,
            String refunded, String remaining, int epochsSettled, Integer nodes) {

        static Spend of(Job job) {
            if (job.fundsLocked == null) {
                return null;
            }
            List<OperatorPaid> operators = OperatorPayments.read(job.fundsByOperator).entrySet().stream()
                    .map(e -> new OperatorPaid(e.getKey(), e.getValue().toString())).toList();
            return new Spend(job.chainJobId.toString(), job.fundsLocked.toString(), job.fundsPaid.toString(), operators,
                    job.fundsWithheld.toString(), job.fundsRefunded.toString(), job.fundsLocked.subtract(job.fundsPaid)
                            .subtract(job.fundsWithheld).subtract(job.fundsRefunded).toString(),
                    job.epochsSettled, job.paidNodes);
        }
    }

    /** What a node operator's address was paid for the job so far. */
    public record OperatorPaid(String address, String paid) {
    }

    public record Transition(String from, String to, String reason, Instant at) {
    }

    public static JobView of(Job job, List<JobTransition> history) {
        JobSpec spec = EventCodec.fromJson(job.spec, JobSpec.class);
        List<String> nodes = job.nodeIdList();
        return new JobView(job.id, job.projectId, job.alias, job.kind.name(), job.state.name(), nodes, job.runningCommit,
                job.runningRevision, job.url, job.lastError, job.createdAt, job.updatedAt, spec,
                history.stream().map(t -> new Transition(t.fromState == null ? null : t.fromState.name(), t.toState.name(),
                        t.reason, t.at)).toList(),
                // What to pass as requestId to the escrow's createJob to pay for this job.
                JobIds.requestIdHexOf(job.id), job.jobType, payment(job), Spend.of(job), job.paidUntil,
                secondsLeft(job, Instant.now()), job.expiryWarnedAt != null);
    }

    /**
     * Escrow mode, while the job waits for its funds: what paying for it costs and the transactions its owner's wallet
     * signs, in order (approve, createJob). Gone once funded: sent again, createJob would revert as a duplicate request.
     */
    static JsonNode payment(Job job) {
        return job.payment == null || job.state != JobState.AWAITING_FUNDS ? null : EventCodec.fromJson(job.payment, JsonNode.class);
    }

    /** Paid time left while the job is live and its end is known; 0 once it has passed (the job is being stopped). */
    static Long secondsLeft(Job job, Instant now) {
        if (job.paidUntil == null || job.state == JobState.STOPPING || job.state == JobState.STOPPED) {
            return null;
        }
        return Math.max(0, java.time.Duration.between(now, job.paidUntil).toSeconds());
    }
}
