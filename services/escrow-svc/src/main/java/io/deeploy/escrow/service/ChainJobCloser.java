package io.deeploy.escrow.service;

import io.deeploy.escrow.client.ChainException;
import io.deeploy.escrow.config.ChainConfig;
import io.deeploy.escrow.repository.ChainTransaction;
import io.deeploy.escrow.repository.JobFunding;
import io.deeploy.escrow.repository.JobFundingRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Ends a stopped job's chain job in the contract's two steps. The close goes at once: the contract refunds the epochs not
 * yet begun and keeps those the job began, so its nodes are still paid for them when the settler attests them. The
 * release follows once the settle window of the job's last epoch is over, and returns what the nodes did not earn
 * (withheld shares, epochs never attested) to the owner; it is sent for every closed chain job, also one its owner closed
 * on chain. The stop's consumer only records the close ({@link #request}); the chain writer's tick sends what is due
 * through {@link ChainTransactions} (recorded before broadcast).
 * <p>
 * The contract lets the activator close any job (the refund goes to its owner), so a stop needs no grant from the owner.
 * A call the chain still refuses is logged and tried again after {@code deeploy.chain.refused-retry}; estimating gas
 * finds a refusal before anything is signed.
 */
@ApplicationScoped
public class ChainJobCloser {

    private static final Logger LOG = Logger.getLogger(ChainJobCloser.class);
    static final int BATCH = 20;

    private final ContractRegistry registry;
    private final ChainTransactions transactions;
    private final JobFundingRepository fundings;
    private final ChainConfig config;

    public ChainJobCloser(ContractRegistry registry, ChainTransactions transactions, JobFundingRepository fundings,
            ChainConfig config) {
        this.registry = registry;
        this.transactions = transactions;
        this.fundings = fundings;
        this.config = config;
    }

    /**
     * Records that the job stopped at {@code stoppedAt}; returns whether this call recorded it (false for a job without
     * accepted funding, one closed already, or a stop seen before). Blocking.
     */
    public boolean request(String jobId, Instant stoppedAt) {
        ContractRegistry.Contracts contracts = registry.require();
        boolean recorded = Db.tx(() -> fundings.byJob(contracts.deploymentId(), jobId).map(funding -> {
            if (funding == null || funding.closeRequestedAt != null
                    || (funding.state != JobFunding.State.FUNDED && funding.state != JobFunding.State.ACTIVE)) {
                return false;
            }
            funding.closeRequestedAt = stoppedAt;
            funding.closeNotBefore = stoppedAt;
            funding.updatedAt = Instant.now();
            return true;
        }));
        if (recorded) {
            LOG.infof("job %s stopped: closing its chain job", jobId);
        }
        return recorded;
    }

    /**
     * Sends the closes due at {@code now}, but none for a job in {@code busy} (a transaction of it in flight); returns
     * how many were sent. Blocking.
     */
    public int closeDue(ContractRegistry.Contracts contracts, Instant now, Set<String> busy) {
        List<JobFunding> due = Db.tx(() -> fundings.closesDue(contracts.deploymentId(), now, BATCH));
        return send(contracts, due, busy, now, ChainTransaction.Kind.CLOSE);
    }

    /**
     * Sends the releases due at {@code now}: closed chain jobs whose last epoch's settle window is over. Returns how many
     * were sent. Blocking.
     */
    public int releaseDue(ContractRegistry.Contracts contracts, Instant now, Set<String> busy) {
        List<JobFunding> due = Db.tx(() -> fundings.releasesDue(contracts.deploymentId(), contracts.epochAt(now),
                contracts.settleWindowEpochs(), now, BATCH));
        return send(contracts, due, busy, now, ChainTransaction.Kind.RELEASE);
    }

    private int send(ContractRegistry.Contracts contracts, List<JobFunding> due, Set<String> busy, Instant now,
            ChainTransaction.Kind kind) {
        int sent = 0;
        for (JobFunding funding : due) {
            if (funding.jobId != null && busy.contains(funding.jobId)) {
                continue;
            }
            if (send(contracts, funding, now, kind)) {
                sent++;
            }
        }
        return sent;
    }

    private boolean send(ContractRegistry.Contracts contracts, JobFunding funding, Instant now, ChainTransaction.Kind kind) {
        long chainJobId = funding.key.chainJobId();
        BigInteger id = BigInteger.valueOf(chainJobId);
        String data = kind == ChainTransaction.Kind.CLOSE ? contracts.escrowView().closeJob(id).encodeFunctionCall()
                : contracts.escrowView().releaseJob(id).encodeFunctionCall();
        try {
            ChainTransaction tx = transactions.send(contracts, kind, funding.jobId, chainJobId, data,
                    // Not sent again while the watcher has not seen it confirmed; a reverted or dropped one is.
                    saved -> postponed(funding.key, now.plus(config.rebroadcastAfter()), null));
            LOG.infof("chain job %d%s: %s sent (tx %s); %s", chainJobId, funding.jobId == null ? "" : " of " + funding.jobId,
                    kind, tx.txHash, kind == ChainTransaction.Kind.CLOSE ? "the epochs not begun go back to its owner"
                            : "what its nodes did not earn goes back to its owner");
            return true;
        } catch (ChainException e) {
            LOG.warnf("chain job %d: %s refused (%s); tried again in %s", chainJobId, kind, e.getMessage(),
                    config.refusedRetry());
            Db.tx(() -> postponed(funding.key, now.plus(config.refusedRetry()), e.getMessage()));
            return false;
        }
    }

    private Uni<Void> postponed(JobFunding.Key key, Instant next, String refusal) {
        return fundings.findById(key).invoke(funding -> {
            funding.closeNotBefore = next;
            funding.closeAttempts++;
            funding.closeError = refusal == null ? null : refusal.substring(0, Math.min(500, refusal.length()));
            funding.updatedAt = Instant.now();
        }).replaceWithVoid();
    }
}
