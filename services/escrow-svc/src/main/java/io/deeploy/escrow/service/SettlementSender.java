package io.deeploy.escrow.service;

import io.deeploy.escrow.client.ChainClient;
import io.deeploy.escrow.config.ChainConfig;
import io.deeploy.escrow.contracts.DeeployEscrow;
import io.deeploy.escrow.repository.JobFunding;
import io.deeploy.escrow.repository.JobFundingRepository;
import io.deeploy.escrow.repository.Settlement;
import io.deeploy.escrow.repository.ChainTransaction;
import io.deeploy.escrow.repository.SettlementRepository;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.NodeAvailability;
import io.deeploy.events.payload.SettlementCompleted;
import io.deeploy.outbox.Outbox;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.web3j.abi.EventEncoder;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * Settles pending job-epochs on chain, crash-safe:
 * <ol>
 * <li>batch pending settlements whose job is active on chain and whose epoch has ended (at most
 * {@code settle-batch-size} entries (job, epoch, node); a job-epoch is never split);</li>
 * <li>send the {@code settle} transaction through {@link ChainTransactions}, which records it with its settlements in
 * SENDING, in one database transaction, BEFORE broadcasting it;</li>
 * <li>when {@link ChainTransactions} resolves it ({@link #resolved}): confirmed, its job-epochs are settled with paid
 * and withheld from the receipt's EpochSettled logs and SettlementCompleted is enqueued in the same database
 * transaction; reverted or dropped, its settlements go back to PENDING, and before they are sent again every entry is
 * checked with {@code isSettled} on chain.</li>
 * </ol>
 * The contract itself refuses a second settlement of a (job, epoch, node) (skip reason 7), so nothing is ever paid twice.
 */
@ApplicationScoped
public class SettlementSender {

    private static final Logger LOG = Logger.getLogger(SettlementSender.class);

    static final String EPOCH_SETTLED = EventEncoder.encode(DeeployEscrow.EPOCHSETTLED_EVENT);
    static final String SETTLEMENT_SKIPPED = EventEncoder.encode(DeeployEscrow.SETTLEMENTSKIPPED_EVENT);
    /** Skip reasons that mean "not yet" rather than "never": the job-epoch is sent again later. */
    static final Set<Integer> RETRY_LATER = Set.of(2, 5);
    /** Pending rows looked at per tick. */
    static final int LOOK_AHEAD = 1000;

    private final ChainClient chain;
    private final ContractRegistry registry;
    private final ChainConfig config;
    private final SettlementRepository settlements;
    private final ChainTransactions transactions;
    private final JobFundingRepository fundings;
    private final Outbox outbox;
    private final NodeOperators nodeOperators;

    public SettlementSender(ChainClient chain, ContractRegistry registry, ChainConfig config,
            SettlementRepository settlements, ChainTransactions transactions, JobFundingRepository fundings,
            Outbox outbox, NodeOperators nodeOperators) {
        this.nodeOperators = nodeOperators;
        this.chain = chain;
        this.registry = registry;
        this.config = config;
        this.settlements = settlements;
        this.transactions = transactions;
        this.fundings = fundings;
        this.outbox = outbox;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Resolve
    // ---------------------------------------------------------------------------------------------------------------

    /** Applies what became of a settle transaction (from {@link ChainTransactions#resolve}). Blocking. */
    public void resolved(ContractRegistry.Contracts contracts, ChainTransactions.Resolution resolution) {
        ChainTransaction tx = resolution.transaction();
        if (resolution.state() != ChainTransaction.State.CONFIRMED) {
            LOG.warnf("settle transaction %s %s; its settlements go back to pending", tx.txHash,
                    resolution.state() == ChainTransaction.State.DROPPED ? "was dropped" : "reverted");
            Db.tx(() -> transactions.record(resolution).chain(recorded -> recorded ? backToPending(tx.id)
                    : Uni.createFrom().voidItem()));
            return;
        }
        TransactionReceipt mined = resolution.receipt();
        Map<EpochKey, Outcome> outcomes = outcomes(contracts, mined);
        Map<EpochKey, BigInteger> bought = new HashMap<>();
        for (Settlement s : Db.tx(() -> settlements.inBatch(tx.id))) {
            EpochKey key = new EpochKey(s.chainJobId, s.key.epoch());
            bought.put(key, nodesAt(contracts, key));
        }
        Db.tx(() -> transactions.record(resolution).chain(recorded -> recorded ? confirm(tx.id, mined, outcomes, bought)
                : Uni.createFrom().voidItem()));
    }

    record EpochKey(long chainJobId, long epoch) {
    }

    /** What a receipt says of a job-epoch: paid in all, by operator address (in log order), and why entries were skipped. */
    record Outcome(BigInteger paid, Map<String, BigInteger> byOperator, Set<Integer> skipReasons) {

        static final Outcome NOTHING = new Outcome(BigInteger.ZERO, Map.of(), Set.of());

        List<SettlementCompleted.OperatorPayment> operators() {
            return byOperator.entrySet().stream().filter(e -> e.getValue().signum() > 0)
                    .map(e -> new SettlementCompleted.OperatorPayment(e.getKey(), e.getValue())).toList();
        }
    }

    static Map<EpochKey, Outcome> outcomes(ContractRegistry.Contracts contracts, TransactionReceipt receipt) {
        Map<EpochKey, Outcome> outcomes = new HashMap<>();
        for (Log log : receipt.getLogs()) {
            if (!log.getAddress().equalsIgnoreCase(contracts.escrow()) || log.getTopics().isEmpty()) {
                continue;
            }
            String topic = log.getTopics().get(0);
            if (topic.equals(EPOCH_SETTLED)) {
                var e = DeeployEscrow.getEpochSettledEventFromLog(log);
                EpochKey key = new EpochKey(e.jobId.longValueExact(), e.epoch.longValue());
                outcomes.merge(key, new Outcome(e.paid, Map.of(e.node, e.paid), Set.of()), SettlementSender::add);
            } else if (topic.equals(SETTLEMENT_SKIPPED)) {
                var e = DeeployEscrow.getSettlementSkippedEventFromLog(log);
                EpochKey key = new EpochKey(e.jobId.longValueExact(), e.epoch.longValue());
                outcomes.merge(key, new Outcome(BigInteger.ZERO, Map.of(), Set.of(e.reason.intValue())), SettlementSender::add);
            }
        }
        return outcomes;
    }

    static Outcome add(Outcome a, Outcome b) {
        Set<Integer> reasons = new HashSet<>(a.skipReasons());
        reasons.addAll(b.skipReasons());
        Map<String, BigInteger> byOperator = new java.util.LinkedHashMap<>(a.byOperator());
        b.byOperator().forEach((operator, paid) -> byOperator.merge(operator, paid, BigInteger::add));
        return new Outcome(a.paid().add(b.paid()), byOperator, reasons);
    }

    private Uni<Void> confirm(long batchId, TransactionReceipt receipt, Map<EpochKey, Outcome> outcomes,
            Map<EpochKey, BigInteger> bought) {
        Instant now = Instant.now();
        return settlements.inBatch(batchId)
                .onItem().transformToMulti(list -> Multi.createFrom().iterable(list))
                .onItem().transformToUniAndConcatenate(s -> {
                    EpochKey key = new EpochKey(s.chainJobId, s.key.epoch());
                    Outcome outcome = outcomes.getOrDefault(key, Outcome.NOTHING);
                    if (outcome.skipReasons().stream().anyMatch(RETRY_LATER::contains)) {
                        LOG.infof("%s epoch %d not settleable yet (skip %s); pending again", s.key.jobId(),
                                s.key.epoch(), outcome.skipReasons());
                        s.moveTo(Settlement.State.PENDING, now);
                        return Uni.createFrom().voidItem();
                    }
                    BigInteger held = bought.getOrDefault(key, BigInteger.ZERO);
                    return settled(s, receipt.getTransactionHash(), outcome.paid(), outcome.operators(), held, now);
                })
                .collect().asList().replaceWithVoid();
    }

    /**
     * SETTLED, with SettlementCompleted in the same transaction. {@code held} = what the epoch held for all nodes;
     * {@code operators} = who was paid what, when a receipt tells.
     */
    private Uni<Void> settled(Settlement s, String txHash, BigInteger paid, List<SettlementCompleted.OperatorPayment> operators,
            BigInteger held, Instant now) {
        s.moveTo(Settlement.State.SETTLED, now);
        s.txHash = txHash;
        s.paid = paid;
        s.withheld = held.subtract(paid).max(BigInteger.ZERO);
        return outbox.enqueue(Event.of(new SettlementCompleted(s.key.jobId(), s.key.epoch(), txHash, s.paid, s.withheld,
                operators)));
    }

    private Uni<Void> backToPending(long batchId) {
        Instant now = Instant.now();
        return settlements.inBatch(batchId).invoke(list -> list.forEach(s -> s.moveTo(Settlement.State.PENDING, now)))
                .replaceWithVoid();
    }

    /**
     * What the job-epoch held for its nodes: epochPrice(job, epoch) * nodesAt(job, epoch), read from the chain (the
     * activation epoch's price is its pro rata part).
     */
    private BigInteger nodesAt(ContractRegistry.Contracts contracts, EpochKey key) {
        try {
            BigInteger job = BigInteger.valueOf(key.chainJobId());
            BigInteger epoch = BigInteger.valueOf(key.epoch());
            return contracts.escrowView().epochPrice(job, epoch).send()
                    .multiply(contracts.escrowView().nodesAt(job, epoch).send());
        } catch (Exception e) {
            throw new io.deeploy.escrow.client.ChainException("cannot read job " + key.chainJobId() + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Send
    // ---------------------------------------------------------------------------------------------------------------

    record Planned(Settlement settlement, JobFunding funding, List<DeeployEscrow.Settlement> entries) {
    }

    /** Sends one batch of what can be settled now. Returns the job-epochs put in it. Blocking. */
    public synchronized int sendNext() {
        ContractRegistry.Contracts contracts = registry.ensure();
        List<Settlement> pending = Db.tx(() -> settlements.pending(LOOK_AHEAD));
        if (pending.isEmpty()) {
            return 0;
        }
        Set<String> jobIds = pending.stream().map(s -> s.key.jobId()).collect(Collectors.toSet());
        Map<String, JobFunding> funded = Db.tx(() -> fundings.byJobs(contracts.deploymentId(), jobIds)).stream()
                .collect(Collectors.toMap(f -> f.jobId, Function.identity()));
        long now = Math.max(chain.latestTimestamp(), Instant.now().getEpochSecond());
        List<Planned> batch = new ArrayList<>();
        List<Planned> nothingToSend = new ArrayList<>();
        int entries = 0;
        for (Settlement s : pending) {
            JobFunding funding = funded.get(s.key.jobId());
            if (funding == null || funding.state == JobFunding.State.FUNDED || !EscrowArithmetic.epochEnded(
                    s.key.epoch(), now, contracts.genesis(), contracts.epochLength())) {
                continue;
            }
            List<DeeployEscrow.Settlement> rowEntries = entries(contracts, s, funding);
            if (rowEntries.isEmpty()) {
                nothingToSend.add(new Planned(s, funding, rowEntries));
                continue;
            }
            if (!batch.isEmpty() && entries + rowEntries.size() > config.settleBatchSize()) {
                break;
            }
            batch.add(new Planned(s, funding, rowEntries));
            entries += rowEntries.size();
        }
        for (Planned p : nothingToSend) {
            settleWithoutTransaction(contracts, p);
        }
        if (batch.isEmpty()) {
            return 0;
        }
        List<DeeployEscrow.Settlement> all = batch.stream().flatMap(p -> p.entries().stream()).toList();
        String data = contracts.escrowView().settle(all).encodeFunctionCall();
        ChainTransaction tx = transactions.send(contracts, ChainTransaction.Kind.SETTLE, null, null, data,
                saved -> record(saved, batch));
        LOG.infof("settle transaction %s: %d job-epoch(s), %d entries", tx.txHash, batch.size(), all.size());
        return batch.size();
    }

    /**
     * The contract entries of one job-epoch: each attested node with an operator address, its permille as basis
     * points. A node without an operator address is left out: its share is reported withheld. On a second attempt
     * (after a dropped transaction) entries the chain already settled are left out too.
     */
    private List<DeeployEscrow.Settlement> entries(ContractRegistry.Contracts contracts, Settlement s, JobFunding funding) {
        List<NodeAvailability> attested = List.of(EventCodec.fromJson(s.availability, NodeAvailability[].class));
        List<DeeployEscrow.Settlement> entries = new ArrayList<>();
        BigInteger chainJob = BigInteger.valueOf(funding.key.chainJobId());
        BigInteger epoch = BigInteger.valueOf(s.key.epoch());
        for (NodeAvailability node : attested) {
            String operator = nodeOperators.payoutOf(node.nodeId());
            if (operator == null || operator.isBlank()) {
                LOG.debugf("%s epoch %d: node %s has no operator address; its share is withheld", s.key.jobId(),
                        s.key.epoch(), node.nodeId());
                continue;
            }
            if (s.attempts > 0 && isSettled(contracts, chainJob, epoch, operator)) {
                continue;
            }
            entries.add(new DeeployEscrow.Settlement(chainJob, epoch, operator,
                    BigInteger.valueOf(EscrowArithmetic.uptimeBps(node.permille()))));
        }
        return entries;
    }

    private static boolean isSettled(ContractRegistry.Contracts contracts, BigInteger job, BigInteger epoch, String node) {
        try {
            return contracts.escrowView().isSettled(job, epoch, node).send();
        } catch (Exception e) {
            throw new io.deeploy.escrow.client.ChainException("cannot read isSettled: " + e.getMessage(), e);
        }
    }

    /** A job-epoch with nothing left to send: settled from the chain's own counters, without a transaction. */
    private void settleWithoutTransaction(ContractRegistry.Contracts contracts, Planned p) {
        EpochKey key = new EpochKey(p.funding().key.chainJobId(), p.settlement().key.epoch());
        BigInteger paid;
        try {
            // The activation epoch pays pro rata, so the epoch's own price, not the job's, times the nodes paid.
            BigInteger job = BigInteger.valueOf(key.chainJobId());
            BigInteger epoch = BigInteger.valueOf(key.epoch());
            paid = contracts.escrowView().paidNodesAt(job, epoch).send()
                    .multiply(contracts.escrowView().epochPrice(job, epoch).send());
        } catch (Exception e) {
            throw new io.deeploy.escrow.client.ChainException("cannot read paidNodesAt or epochPrice: " + e.getMessage(), e);
        }
        BigInteger held = nodesAt(contracts, key);
        Settlement.Key id = p.settlement().key;
        Db.tx(() -> settlements.findById(id).chain(s -> {
            if (s == null || s.state != Settlement.State.PENDING) {
                return Uni.createFrom().voidItem();
            }
            s.chainJobId = key.chainJobId();
            // No receipt of its own tells who was paid (the entries were settled by an earlier transaction).
            return settled(s, null, paid, List.of(), held, Instant.now());
        }));
    }

    /** In the transaction's recording: its settlements go SENDING with it. */
    private Uni<Void> record(ChainTransaction tx, List<Planned> planned) {
        Instant now = Instant.now();
        return Multi.createFrom().iterable(planned)
                .onItem().transformToUniAndConcatenate(p -> settlements.findById(p.settlement().key).invoke(s -> {
                    if (s == null || s.state != Settlement.State.PENDING) {
                        throw new IllegalStateException("settlement " + p.settlement().key + " changed meanwhile");
                    }
                    s.moveTo(Settlement.State.SENDING, now);
                    s.batchId = tx.id;
                    s.txHash = tx.txHash;
                    s.chainJobId = p.funding().key.chainJobId();
                    s.attempts++;
                }))
                .collect().asList().replaceWithVoid();
    }
}
