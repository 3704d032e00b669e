package io.deeploy.escrow.service;

import io.deeploy.escrow.client.ChainClient;
import io.deeploy.escrow.config.ChainConfig;
import io.deeploy.escrow.repository.ContractDeploymentRepository;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.web3j.protocol.core.methods.response.Log;

/**
 * Follows the escrow's logs up to {@code head - confirmations}, in bounded ranges, from the checkpoint stored with the
 * deployment. Re-reading blocks (a restart between reading and committing, or {@link #rewind}) is harmless: the ledger
 * applies each log once.
 */
@ApplicationScoped
public class ChainWatcher {

    private static final Logger LOG = Logger.getLogger(ChainWatcher.class);
    /** Ranges read per tick, so one tick stays short even far behind the head. */
    static final int MAX_RANGES_PER_TICK = 20;

    private final ChainClient chain;
    private final ContractRegistry registry;
    private final ContractDeploymentRepository deployments;
    private final Ledger ledger;
    private final ChainConfig config;

    public ChainWatcher(ChainClient chain, ContractRegistry registry, ContractDeploymentRepository deployments,
            Ledger ledger, ChainConfig config) {
        this.chain = chain;
        this.registry = registry;
        this.deployments = deployments;
        this.ledger = ledger;
        this.config = config;
    }

    @Scheduled(every = "${deeploy.chain.poll-interval:2s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.warnf("chain watcher: %s", e.getMessage());
        }
    }

    /** Reads what is confirmed and not yet applied. Returns the number of logs applied. Blocking. */
    public synchronized int poll() {
        ContractRegistry.Contracts contracts = registry.ensure();
        long safe = chain.blockNumber() - config.confirmations();
        int applied = 0;
        for (int i = 0; i < MAX_RANGES_PER_TICK; i++) {
            long from = Db.tx(() -> deployments.findById(contracts.deploymentId())).nextBlock;
            if (from > safe) {
                break;
            }
            long to = Math.min(safe, from + Math.max(1, config.logRange()) - 1);
            List<Log> logs = chain.logs(contracts.escrow(), from, to);
            // Read here, off the transaction: the table is the chain's (cached), and reading it blocks.
            Map<Integer, ContractRegistry.JobType> jobTypes = registry.jobTypes().stream()
                    .collect(Collectors.toMap(ContractRegistry.JobType::id, type -> type));
            applied += Db.tx(() -> ledger.apply(contracts, jobTypes, logs, from, to + 1));
        }
        return applied;
    }

    /** Makes the watcher read again from {@code block} (an operator's tool; tests use it to show replays are harmless). */
    public synchronized void rewind(long block) {
        ContractRegistry.Contracts contracts = registry.ensure();
        long to = Math.max(block, contracts.deployBlock());
        Db.tx(() -> deployments.rewind(contracts.deploymentId(), to));
        LOG.infof("chain watcher rewound to block %d", to);
    }
}
