package io.deeploy.escrow.service;

import io.deeploy.escrow.repository.ChainTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Everything escrow-svc writes to the chain, one step after another on one worker thread every {@code poll-interval}:
 * resolve the transactions in flight ({@link ChainTransactions}), then send the next settle batch (when none is in
 * flight), the node sets funded jobs lack ({@link ChainJobNodes}) and the closes that are due ({@link ChainJobCloser}).
 * No consumer ever waits for the chain: consumers record what should happen, and this tick makes it happen. A step
 * that fails is logged and does not hold back the others.
 */
@ApplicationScoped
public class ChainWriter {

    private static final Logger LOG = Logger.getLogger(ChainWriter.class);

    private final ContractRegistry registry;
    private final ChainTransactions transactions;
    private final SettlementSender settlements;
    private final ChainJobNodes nodes;
    private final ChainJobCloser closer;

    public ChainWriter(ContractRegistry registry, ChainTransactions transactions, SettlementSender settlements,
            ChainJobNodes nodes, ChainJobCloser closer) {
        this.registry = registry;
        this.transactions = transactions;
        this.settlements = settlements;
        this.nodes = nodes;
        this.closer = closer;
    }

    @Scheduled(every = "${deeploy.chain.poll-interval:2s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        try {
            write();
        } catch (RuntimeException e) {
            LOG.warnf("chain writer: %s", e.getMessage());
        }
    }

    /** One round. Blocking. */
    public synchronized void write() {
        ContractRegistry.Contracts contracts = registry.ensure();
        boolean settling = false;
        Set<String> busy = new HashSet<>();
        for (ChainTransaction tx : transactions.open(contracts)) {
            try {
                ChainTransactions.Resolution resolution = transactions.resolve(tx);
                if (resolution.open()) {
                    settling |= tx.kind == ChainTransaction.Kind.SETTLE;
                    if (tx.jobId != null) {
                        busy.add(tx.jobId);
                    }
                } else if (tx.kind == ChainTransaction.Kind.SETTLE) {
                    settlements.resolved(contracts, resolution);
                } else {
                    if (Db.tx(() -> transactions.record(resolution))
                            && resolution.state() != ChainTransaction.State.CONFIRMED) {
                        LOG.warnf("%s transaction %s for job %s: %s; reconciled again", tx.kind, tx.txHash, tx.jobId,
                                resolution.state());
                    }
                    // The watcher may not have applied its logs to the ledger yet: the job's next step waits a round.
                    busy.add(tx.jobId);
                }
            } catch (RuntimeException e) {
                settling |= tx.kind == ChainTransaction.Kind.SETTLE;
                if (tx.jobId != null) {
                    busy.add(tx.jobId);
                }
                LOG.warnf("%s transaction %s not resolved: %s", tx.kind, tx.txHash, e.getMessage());
            }
        }
        if (!settling) {
            step("settlement", settlements::sendNext);
        }
        step("node sets", () -> nodes.reconcile(contracts, busy));
        step("closes", () -> closer.closeDue(contracts, Instant.now(), busy));
        step("releases", () -> closer.releaseDue(contracts, Instant.now(), busy));
    }

    private static void step(String name, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            LOG.warnf("chain writer, %s: %s", name, e.getMessage());
        }
    }
}
