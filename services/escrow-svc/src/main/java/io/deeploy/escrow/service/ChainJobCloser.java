package io.deeploy.escrow.service;

import io.deeploy.escrow.client.ChainException;
import io.deeploy.escrow.config.ChainConfig;
import io.deeploy.escrow.repository.ChainTransaction;
import io.deeploy.escrow.repository.JobFunding;
import io.deeploy.escrow.repository.JobFundingRepository;
import io.deeploy.escrow.repository.SettlementRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Closes a stopped job's chain job, which refunds its owner everything not paid to node operators, without taking back
 * an epoch its nodes served: the close waits until the epochs that ended before the stop are settled (the oracle
 * attests an epoch shortly after it ends, then the settler pays it) or {@code deeploy.chain.settle-window} after the
 * last of them has passed, and while a settlement of the job is in flight, for up to one more window. The stop's
 * consumer only records the close ({@link #request}); the chain writer's tick sends what is due through
 * {@link ChainTransactions} (recorded before broadcast).
 * <p>
 * The contract lets the oracle close any job (the refund goes to its owner), so a stop needs no grant from the owner.
 * A close the chain still refuses is logged and tried again after {@code deeploy.chain.refused-retry}; estimating gas
 * finds a refusal before anything is signed.
 */
@ApplicationScoped
public class ChainJobCloser {

    private static final Logger LOG = Logger.getLogger(ChainJobCloser.class);
    static final int BATCH = 20;

    private final ContractRegistry registry;
    private final ChainTransactions transactions;
    private final JobFundingRepository fundings;
    private final SettlementRepository settlements;
    private final ChainConfig config;

    public ChainJobCloser(ContractRegistry registry, ChainTransactions transactions, JobFundingRepository fundings,
            SettlementRepository settlements, ChainConfig config) {
        this.registry = registry;
        this.transactions = transactions;
        this.fundings = fundings;
        this.settlements = settlements;
        this.config = config;
    }

    /**
     * Records that the job stopped at {@code stoppedAt}; returns whether this call recorded it (false for a job without
     * accepted funding, one closed already, or a stop seen before). Blocking.
     */
    public boolean request(String jobId, Instant stoppedAt) {
        ContractRegistry.Contracts contracts = registry.require();
        Instant notBefore = closeNotBefore(contracts, stoppedAt, config.settleWindow());
        boolean recorded = Db.tx(() -> fundings.byJob(contracts.deploymentId(), jobId).map(funding -> {
            if (funding == null || funding.state == JobFunding.State.CLOSED || funding.closeRequestedAt != null) {
                return false;
            }
            funding.closeRequestedAt = stoppedAt;
            funding.closeNotBefore = notBefore;
            funding.updatedAt = Instant.now();
            return true;
        }));
        if (recorded) {
            LOG.infof("job %s stopped: its chain job is closed from %s, once the epochs it served are settled", jobId,
                    notBefore);
        }
        return recorded;
    }

    /** The end of the last epoch that ended before the stop, plus the settle window; never before the stop itself. */
    static Instant closeNotBefore(ContractRegistry.Contracts contracts, Instant stoppedAt, Duration settleWindow) {
        Instant due = contracts.epochStart(contracts.epochAt(stoppedAt)).plus(settleWindow);
        return due.isAfter(stoppedAt) ? due : stoppedAt;
    }

    /**
     * Sends the closes due at {@code now}, but none for a job in {@code busy} (a transaction of it in flight); returns
     * how many were sent. Blocking.
     */
    public int closeDue(ContractRegistry.Contracts contracts, Instant now, Set<String> busy) {
        List<JobFunding> due = Db.tx(() -> fundings.closesDue(contracts.deploymentId(), now, BATCH));
        int sent = 0;
        for (JobFunding funding : due) {
            if (busy.contains(funding.jobId)) {
                continue;
            }
            long inFlight = Db.tx(() -> settlements.inFlight(funding.jobId));
            if (inFlight > 0 && now.isBefore(funding.closeNotBefore.plus(config.settleWindow()))) {
                continue;
            }
            if (close(contracts, funding, now)) {
                sent++;
            }
        }
        return sent;
    }

    private boolean close(ContractRegistry.Contracts contracts, JobFunding funding, Instant now) {
        long chainJobId = funding.key.chainJobId();
        String data = contracts.escrowView().closeJob(BigInteger.valueOf(chainJobId)).encodeFunctionCall();
        try {
            ChainTransaction tx = transactions.send(contracts, ChainTransaction.Kind.CLOSE, funding.jobId, chainJobId, data,
                    // Not sent again while the watcher has not seen it confirmed; a reverted or dropped close is.
                    saved -> postponed(funding.key, now.plus(config.rebroadcastAfter()), null));
            LOG.infof("job %s: closing chain job %d (tx %s); its unspent balance goes back to its owner", funding.jobId,
                    chainJobId, tx.txHash);
            return true;
        } catch (ChainException e) {
            LOG.warnf("job %s: closing chain job %d refused (%s); tried again in %s", funding.jobId, chainJobId,
                    e.getMessage(), config.refusedRetry());
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
