package io.deeploy.project.service;

import io.deeploy.events.payload.FundsLocked;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.Resources;
import io.deeploy.project.repository.DelegateRepository;
import io.deeploy.project.repository.Job;
import io.deeploy.signing.SignedRequest;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Whether funds a chain job locked for a job count for it. Anyone can create a chain job naming any job, so an offer
 * counts only when its payer is the job's owner or a delegate of the owner allowed to create jobs, when it pays for at
 * least the job's nodes and epochs, and when its job type gives each node at least the CPU and memory the job asks for
 * (the seed checked the container's resources against the job type it was paid for).
 */
@ApplicationScoped
public class FundingRules {

    private final DelegateRepository delegates;

    public FundingRules(DelegateRepository delegates) {
        this.delegates = delegates;
    }

    /** Null when the funds count for the job, else why not (for the job's lastError). */
    public Uni<String> refusal(Job job, JobSpec spec, FundsLocked funds) {
        String shape = shortfall(spec, funds);
        if (shape != null) {
            return Uni.createFrom().item(shape);
        }
        String payer;
        try {
            payer = SignedRequest.normalizeAddress(funds.payer());
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().item("funds of chain job " + funds.chainJobId() + " name no payer; they do not count");
        }
        String owner = SignedRequest.normalizeAddress(job.owner);
        if (payer.equals(owner)) {
            return Uni.createFrom().nullItem();
        }
        return delegates.permissions(owner, payer).map(bits -> Permission.CREATE.in(bits) ? null
                : "funds of chain job " + funds.chainJobId() + " were locked by " + payer + ", who is neither the job's owner "
                        + "nor a delegate allowed to create its jobs; they do not count");
    }

    /**
     * Whether the job type paid for still covers {@code resources} after an edit: null if so, else a 400
     * JOB_TYPE_TOO_SMALL naming the resource. A job whose funds are not in yet has no type to check against: 409
     * JOB_NOT_FUNDED (it is paid for as it was asked).
     */
    static ApiException editRefusal(Job job, Resources resources) {
        if (job.paidCpuMillis == null || job.paidMemoryMb == null) {
            return ApiException.conflict("JOB_NOT_FUNDED", "job " + job.id + " is not paid for yet: its resources are "
                    + "edited once its funds count");
        }
        String field = resources.cpuMillis() > job.paidCpuMillis ? "resources.cpu"
                : resources.memoryMb() > job.paidMemoryMb ? "resources.memoryMb" : null;
        return field == null ? null : new ApiException(400, "JOB_TYPE_TOO_SMALL", field, "the job type paid for gives a "
                + "node " + job.paidCpuMillis + " mCPU and " + job.paidMemoryMb + " MiB, less than "
                + resources.cpuMillis() + " mCPU and " + resources.memoryMb() + " MiB");
    }

    /** What the funds lack for the job's nodes, epochs and resources per node; null when they cover it. */
    static String shortfall(JobSpec spec, FundsLocked funds) {
        if (funds.nodes() < spec.nodeCount() || funds.epochs() < spec.durationEpochs()) {
            return "funds locked for " + funds.nodes() + " node(s) x " + funds.epochs() + " epoch(s) (chain job "
                    + funds.chainJobId() + ") do not cover " + spec.nodeCount() + " node(s) x " + spec.durationEpochs()
                    + " epoch(s)";
        }
        if (funds.jobType() == null || funds.typeCpuMillis() == null || funds.typeMemoryMb() == null) {
            return "funds of chain job " + funds.chainJobId() + " name no job type with its resources; they do not count";
        }
        if (spec.resources().cpuMillis() > funds.typeCpuMillis() || spec.resources().memoryMb() > funds.typeMemoryMb()) {
            return "job type " + funds.jobType() + " paid by chain job " + funds.chainJobId() + " gives a node "
                    + funds.typeCpuMillis() + " mCPU and " + funds.typeMemoryMb() + " MiB, less than the job's "
                    + spec.resources().cpuMillis() + " mCPU and " + spec.resources().memoryMb() + " MiB";
        }
        return null;
    }
}
