package io.deeploy.escrow.service;

import io.deeploy.escrow.contracts.DeeployEscrow;
import io.deeploy.escrow.repository.ContractDeploymentRepository;
import io.deeploy.escrow.repository.JobFunding;
import io.deeploy.escrow.repository.JobFundingRepository;
import io.deeploy.events.Event;
import io.deeploy.events.JobIds;
import io.deeploy.events.payload.FundsLocked;
import io.deeploy.events.payload.PaidPeriodChanged;
import io.deeploy.outbox.Outbox;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.web3j.abi.EventEncoder;
import org.web3j.protocol.core.methods.response.Log;

/**
 * Applies the escrow's confirmed logs to the per-job ledger and announces, through the outbox, funding offers
 * (FundsLocked) and the paid period and nodes of an activated job, each time they change (PaidPeriodChanged). Each log is
 * applied once: its (transaction hash, log index) is recorded with its effect, and the checkpoint moves in the same
 * database transaction, so a re-read range changes nothing.
 */
@ApplicationScoped
public class Ledger {

    private static final Logger LOG = Logger.getLogger(Ledger.class);

    static final String JOB_CREATED = EventEncoder.encode(DeeployEscrow.JOBCREATED_EVENT);
    static final String JOB_ACTIVATED = EventEncoder.encode(DeeployEscrow.JOBACTIVATED_EVENT);
    static final String JOB_EXTENDED = EventEncoder.encode(DeeployEscrow.JOBEXTENDED_EVENT);
    static final String NODES_ADDED = EventEncoder.encode(DeeployEscrow.NODESADDED_EVENT);
    static final String NODES_REMOVED = EventEncoder.encode(DeeployEscrow.NODESREMOVED_EVENT);
    static final String JOB_CLOSED = EventEncoder.encode(DeeployEscrow.JOBCLOSED_EVENT);
    static final String JOB_REDEEMED = EventEncoder.encode(DeeployEscrow.JOBREDEEMED_EVENT);
    static final String JOB_RELEASED = EventEncoder.encode(DeeployEscrow.JOBRELEASED_EVENT);
    static final String EPOCH_SETTLED = EventEncoder.encode(DeeployEscrow.EPOCHSETTLED_EVENT);

    static final String RECORD_LOG = "INSERT INTO chain_log (deployment_id, tx_hash, log_index, block_number, event) "
            + "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING";

    private final JobFundingRepository fundings;
    private final ContractDeploymentRepository deployments;
    private final Outbox outbox;

    public Ledger(JobFundingRepository fundings, ContractDeploymentRepository deployments, Outbox outbox) {
        this.fundings = fundings;
        this.deployments = deployments;
        this.outbox = outbox;
    }

    /**
     * Applies {@code logs} of blocks {@code from..to-1} and moves the checkpoint to {@code to}. In a transaction.
     * {@code jobTypes} is the chain's job type table, by id.
     */
    public Uni<Integer> apply(ContractRegistry.Contracts contracts, Map<Integer, ContractRegistry.JobType> jobTypes, List<Log> logs,
            long from, long to) {
        return Multi.createFrom().iterable(logs)
                .onItem().transformToUniAndConcatenate(log -> applyOnce(contracts, jobTypes, log))
                .collect().asList()
                .chain(applied -> deployments.advance(contracts.deploymentId(), from, to).map(moved -> {
                    if (moved == 0) {
                        throw new IllegalStateException("checkpoint moved by someone else while reading " + from + ".." + (to - 1));
                    }
                    return (int) applied.stream().filter(Boolean::booleanValue).count();
                }));
    }

    private Uni<Boolean> applyOnce(ContractRegistry.Contracts contracts, Map<Integer, ContractRegistry.JobType> jobTypes, Log log) {
        String event = eventName(log);
        if (event == null) {
            return Uni.createFrom().item(false);
        }
        return Panache.getSession().chain(session -> session.createNativeQuery(RECORD_LOG)
                        .setParameter(1, contracts.deploymentId())
                        .setParameter(2, log.getTransactionHash())
                        .setParameter(3, log.getLogIndex().intValue())
                        .setParameter(4, log.getBlockNumber().longValue())
                        .setParameter(5, event)
                        .executeUpdate())
                .chain(inserted -> inserted == 0 ? Uni.createFrom().item(false)
                        : effect(contracts, jobTypes, log).replaceWith(true));
    }

    static String eventName(Log log) {
        if (log.getTopics() == null || log.getTopics().isEmpty()) {
            return null;
        }
        String topic = log.getTopics().get(0);
        if (topic.equals(JOB_CREATED)) {
            return "JobCreated";
        } else if (topic.equals(JOB_ACTIVATED)) {
            return "JobActivated";
        } else if (topic.equals(JOB_EXTENDED)) {
            return "JobExtended";
        } else if (topic.equals(NODES_ADDED)) {
            return "NodesAdded";
        } else if (topic.equals(NODES_REMOVED)) {
            return "NodesRemoved";
        } else if (topic.equals(JOB_CLOSED)) {
            return "JobClosed";
        } else if (topic.equals(JOB_REDEEMED)) {
            return "JobRedeemed";
        } else if (topic.equals(JOB_RELEASED)) {
            return "JobReleased";
        } else if (topic.equals(EPOCH_SETTLED)) {
            return "EpochSettled";
        }
        return null;
    }

    private Uni<Void> effect(ContractRegistry.Contracts contracts, Map<Integer, ContractRegistry.JobType> jobTypes, Log log) {
        String topic = log.getTopics().get(0);
        if (topic.equals(JOB_CREATED)) {
            return created(contracts, jobTypes, log, DeeployEscrow.getJobCreatedEventFromLog(log));
        }
        long chainJobId = new BigInteger(log.getTopics().get(1).substring(2), 16).longValueExact();
        return fundings.findById(new JobFunding.Key(contracts.deploymentId(), chainJobId)).chain(job -> {
            if (job == null) {
                LOG.warnf("escrow log %s for chain job %d that the ledger never saw created; ignored",
                        eventName(log), chainJobId);
                return Uni.createFrom().voidItem();
            }
            if (topic.equals(JOB_ACTIVATED)) {
                var e = DeeployEscrow.getJobActivatedEventFromLog(log);
                job.state = JobFunding.State.ACTIVE;
                job.startEpoch = e.startEpoch.longValue();
                job.endEpoch = job.startEpoch + job.epochs;
            } else if (topic.equals(JOB_EXTENDED)) {
                var e = DeeployEscrow.getJobExtendedEventFromLog(log);
                job.epochs = e.epochs.longValue();
                job.deposited = job.deposited.add(e.amount);
                if (e.endEpoch.signum() != 0) {
                    job.endEpoch = e.endEpoch.longValue();
                }
            } else if (topic.equals(NODES_ADDED)) {
                var e = DeeployEscrow.getNodesAddedEventFromLog(log);
                job.nodes = e.nodes.intValue();
                job.deposited = job.deposited.add(e.amount);
                job.nodesChangedAt = Instant.now();
            } else if (topic.equals(NODES_REMOVED)) {
                var e = DeeployEscrow.getNodesRemovedEventFromLog(log);
                job.nodes = e.nodes.intValue();
                job.refunded = job.refunded.add(e.refund);
                job.nodesChangedAt = Instant.now();
            } else if (topic.equals(JOB_CLOSED)) {
                // An active job ends after the epoch it was closed in, keeping the epochs it began for settlement; a job
                // never activated (end 0) got everything back and holds nothing.
                var e = DeeployEscrow.getJobClosedEventFromLog(log);
                job.refunded = job.refunded.add(e.refund);
                if (e.endEpoch.signum() == 0) {
                    job.state = JobFunding.State.ENDED;
                } else {
                    job.endEpoch = e.endEpoch.longValue();
                    job.state = JobFunding.State.CLOSED;
                    job.closeNotBefore = null; // from now on the release's retry gate
                }
            } else if (topic.equals(JOB_REDEEMED)) {
                job.refunded = job.refunded.add(DeeployEscrow.getJobRedeemedEventFromLog(log).refund);
                job.state = JobFunding.State.ENDED;
            } else if (topic.equals(JOB_RELEASED)) {
                job.refunded = job.refunded.add(DeeployEscrow.getJobReleasedEventFromLog(log).refund);
                job.state = JobFunding.State.ENDED;
            } else if (topic.equals(EPOCH_SETTLED)) {
                job.paid = job.paid.add(DeeployEscrow.getEpochSettledEventFromLog(log).paid);
            }
            job.updatedAt = Instant.now();
            boolean periodMoved = topic.equals(JOB_ACTIVATED) || (job.startEpoch != null
                    && (topic.equals(JOB_EXTENDED) || topic.equals(NODES_ADDED) || topic.equals(NODES_REMOVED)));
            if (!periodMoved || job.jobId == null) {
                return Uni.createFrom().voidItem();
            }
            // The job stops at the end of what its chain job pays for: project-svc expires it then.
            return outbox.enqueue(Event.of(new PaidPeriodChanged(job.jobId, BigInteger.valueOf(chainJobId), job.startEpoch,
                    job.endEpoch, contracts.epochStart(job.startEpoch), contracts.epochStart(job.endEpoch), job.deposited,
                    job.nodes, job.refunded)));
        });
    }

    /**
     * A chain job: recorded, and when its requestId names a backend job, offered to it (FundsLocked, with who paid and
     * what the job type gives a node). Every offer is announced, not only the first: another wallet can name any job,
     * and only project-svc knows whose job it is. The job is linked once project-svc accepts one ({@link #accept}).
     */
    private Uni<Void> created(ContractRegistry.Contracts contracts, Map<Integer, ContractRegistry.JobType> jobTypes, Log log,
            DeeployEscrow.JobCreatedEventResponse e) {
        Instant now = Instant.now();
        JobFunding job = new JobFunding();
        job.key = new JobFunding.Key(contracts.deploymentId(), e.jobId.longValueExact());
        job.ownerAddress = e.owner;
        job.jobType = e.jobType.intValue();
        job.nodes = e.nodes.intValue();
        job.epochs = e.epochs.longValue();
        // createJob charges exactly price * nodes * epochs, so the division is exact.
        job.pricePerEpoch = e.amount.divide(e.nodes.multiply(e.epochs));
        job.deposited = e.amount;
        job.paid = BigInteger.ZERO;
        job.refunded = BigInteger.ZERO;
        job.state = JobFunding.State.FUNDED;
        job.createdTx = log.getTransactionHash();
        job.createdAt = now;
        job.updatedAt = now;
        Optional<String> backendJob = JobIds.jobIdOf(e.requestId);
        if (backendJob.isEmpty()) {
            return fundings.persist(job).replaceWithVoid();
        }
        job.requestedJobId = backendJob.get();
        ContractRegistry.JobType type = jobTypes.get(job.jobType);
        FundsLocked offer = new FundsLocked(job.requestedJobId, e.jobId, e.amount, contracts.token(), job.epochs, job.nodes,
                log.getTransactionHash(), e.owner, job.jobType, type == null ? null : type.cpuMillis(),
                type == null ? null : (int) type.memoryMb());
        return fundings.persist(job).chain(() -> outbox.enqueue(Event.of(offer)));
    }

    /**
     * Links backend job {@code jobId} to chain job {@code chainJobId}, the offer project-svc accepted, unless the job is
     * linked already (a redelivered acceptance changes nothing) or the chain job did not name it. In a transaction.
     */
    public Uni<Boolean> accept(long deploymentId, String jobId, long chainJobId) {
        return fundings.byJob(deploymentId, jobId).chain(linked -> {
            if (linked != null) {
                if (linked.key.chainJobId() != chainJobId) {
                    LOG.warnf("job %s is funded by chain job %d; acceptance of chain job %d ignored", jobId,
                            linked.key.chainJobId(), chainJobId);
                }
                return Uni.createFrom().item(false);
            }
            return fundings.findById(new JobFunding.Key(deploymentId, chainJobId)).map(offer -> {
                if (offer == null || !jobId.equals(offer.requestedJobId)) {
                    LOG.warnf("acceptance of chain job %d for job %s ignored: it %s", chainJobId, jobId,
                            offer == null ? "is not in the ledger" : "names another job");
                    return false;
                }
                offer.jobId = jobId;
                offer.updatedAt = Instant.now();
                LOG.infof("job %s funded by chain job %d", jobId, chainJobId);
                return true;
            });
        });
    }
}
