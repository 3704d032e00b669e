package io.deeploy.escrow.service;

import io.deeploy.escrow.client.ChainException;
import io.deeploy.escrow.config.ChainConfig;
import io.deeploy.escrow.repository.ChainTransaction;
import io.deeploy.escrow.repository.JobFunding;
import io.deeploy.escrow.repository.JobFundingRepository;
import io.deeploy.escrow.repository.JobNodes;
import io.deeploy.escrow.repository.JobNodesRepository;
import io.deeploy.events.payload.JobSpec;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Brings each funded job's node set on chain to where the platform placed it, as a reconciler: the desired side is
 * {@link JobNodes} (the newest placement and the first start, recorded by the job-events consumer), the actual side the
 * ledger and the chain. A funded job that has served is activated ({@code activate}) with the operators of every node
 * of its newest placement, so each node of a multi-node job is paid for its own uptime; an active job placed anew (a
 * failover, a node added) gets that placement's operators ({@code updateNodes}) from the current epoch, and one that
 * pays for more nodes than its spec now asks for gives the rest up ({@code removeNodes}, refunded to its owner). Every
 * call goes through {@link ChainTransactions} (recorded before broadcast); a job with a transaction in flight is left
 * alone until it resolves, and a reverted or dropped one is simply reconciled again. Blocking: the writer's tick and the
 * manual activation call it.
 */
@ApplicationScoped
public class ChainJobNodes {

    private static final Logger LOG = Logger.getLogger(ChainJobNodes.class);
    static final int BATCH = 50;

    private final ChainTransactions transactions;
    private final JobFundingRepository fundings;
    private final JobNodesRepository jobNodes;
    private final NodeOperators nodeOperators;
    private final ChainConfig config;
    /** Jobs whose last call was refused, and when to try again (in memory: a restart tries at once). */
    private final Map<String, Instant> refusedUntil = new ConcurrentHashMap<>();

    public ChainJobNodes(ChainTransactions transactions, JobFundingRepository fundings, JobNodesRepository jobNodes,
            NodeOperators nodeOperators, ChainConfig config) {
        this.config = config;
        this.transactions = transactions;
        this.fundings = fundings;
        this.jobNodes = jobNodes;
        this.nodeOperators = nodeOperators;
    }

    public record Activation(String jobId, long chainJobId, List<String> operators, String transactionHash, long block) {
    }

    /** A job was placed (NodeSelected): the desired node set, unless a newer placement is known. Blocking. */
    public void placed(String jobId, List<String> nodeIds, long placement, Instant at) {
        Db.tx(() -> jobNodes.placed(jobId, placement, nodeIds, at));
    }

    /**
     * A revision of the job's spec (JobRequested, JobSpecChanged): how many nodes the chain job should pay for, unless a
     * newer revision is known. Blocking.
     */
    public void revised(String jobId, JobSpec spec, Instant at) {
        Db.tx(() -> jobNodes.wanted(jobId, spec.revision(), spec.nodeCount(), at));
    }

    /** A node reported the job serving (AppStarted): the first such report starts its paid epochs. Blocking. */
    public void served(String jobId, String nodeId, Instant at) {
        Db.tx(() -> jobNodes.served(jobId, nodeId, at));
    }

    /** Sends what the linked jobs' node sets need; {@code busy} are jobs with a transaction in flight. Returns how many. */
    public int reconcile(ContractRegistry.Contracts contracts, Set<String> busy) {
        long nextEpoch = contracts.epochAt(Instant.now()) + 1;
        List<Object[]> due = Db.tx(() -> fundings.nodeSetsDue(contracts.deploymentId(), nextEpoch, BATCH));
        int sent = 0;
        for (Object[] row : due) {
            JobFunding funding = (JobFunding) row[0];
            JobNodes nodes = (JobNodes) row[1];
            Instant now = Instant.now();
            if (busy.contains(funding.jobId) || refusedUntil.getOrDefault(funding.jobId, now).isAfter(now)) {
                continue;
            }
            try {
                if (funding.state == JobFunding.State.FUNDED) {
                    sendActivation(contracts, funding, nodes, desiredNodes(nodes));
                } else if (!updateNodes(contracts, funding, nodes) && !removeNodes(contracts, funding, nodes)) {
                    continue;
                }
                sent++;
                refusedUntil.remove(funding.jobId);
            } catch (ChainException | ApiException e) {
                refusedUntil.put(funding.jobId, now.plus(config.refusedRetry()));
                LOG.warnf("job %s: node set not sent to chain job %d: %s (tried again in %s)", funding.jobId,
                        funding.key.chainJobId(), e.getMessage(), config.refusedRetry());
            }
        }
        return sent;
    }

    /** The newest placement's nodes, and the node that first served if that placement is not known yet. */
    static List<String> desiredNodes(JobNodes nodes) {
        Set<String> wanted = new LinkedHashSet<>(nodes.nodeIdList());
        if (wanted.isEmpty() && nodes.firstServedNode != null) {
            wanted.add(nodes.firstServedNode);
        }
        return List.copyOf(wanted);
    }

    private boolean updateNodes(ContractRegistry.Contracts contracts, JobFunding funding, JobNodes nodes) {
        List<String> operators = operators(funding, nodes.nodeIdList(), false);
        BigInteger chainJobId = BigInteger.valueOf(funding.key.chainJobId());
        List<?> onChain;
        try {
            onChain = contracts.escrowView().jobNodes(chainJobId).send();
        } catch (Exception e) {
            throw new ChainException("cannot read the node set of chain job " + chainJobId + ": " + e.getMessage(), e);
        }
        long placement = nodes.placement;
        if (lower(onChain.stream().map(Object::toString).toList()).equals(lower(operators))) {
            Db.tx(() -> applied(funding.jobId, placement));
            return false;
        }
        String data = contracts.escrowView().updateNodes(chainJobId, operators).encodeFunctionCall();
        ChainTransaction tx = transactions.send(contracts, ChainTransaction.Kind.UPDATE_NODES, funding.jobId,
                funding.key.chainJobId(), data, saved -> applied(funding.jobId, placement));
        LOG.infof("job %s: chain job %d to pay %s from now (placement %d, tx %s)", funding.jobId, funding.key.chainJobId(),
                operators, placement, tx.txHash);
        return true;
    }

    /**
     * Gives up, on chain, the nodes an active job pays for beyond what its spec now asks for (the owner scaled it down):
     * the escrow refunds their epochs from the next one on to the owner. The count is read from the chain itself, not
     * the ledger, which may not have applied an earlier removal yet: a removal is never sent twice. Nodes the owner
     * bought after the newest revision was seen are kept: the revision that uses them follows (project-svc makes it once
     * the chain confirmed them). Nothing is sent in the job's last epoch: nothing is left to refund.
     */
    private boolean removeNodes(ContractRegistry.Contracts contracts, JobFunding funding, JobNodes nodes) {
        boolean boughtSince = funding.nodesChangedAt != null
                && (nodes.wantedSince == null || !nodes.wantedSince.isAfter(funding.nodesChangedAt));
        if (nodes.wantedNodes <= 0 || funding.nodes <= nodes.wantedNodes || boughtSince || funding.endEpoch == null
                || contracts.epochAt(Instant.now()) + 1 >= funding.endEpoch) {
            return false;
        }
        BigInteger chainJobId = BigInteger.valueOf(funding.key.chainJobId());
        long onChain;
        try {
            onChain = contracts.escrowView().job(chainJobId).send().component3().longValue();
        } catch (Exception e) {
            throw new ChainException("cannot read chain job " + chainJobId + ": " + e.getMessage(), e);
        }
        long fewer = onChain - nodes.wantedNodes;
        if (fewer <= 0) {
            return false;
        }
        String data = contracts.escrowView().removeNodes(chainJobId, BigInteger.valueOf(fewer)).encodeFunctionCall();
        ChainTransaction tx = transactions.send(contracts, ChainTransaction.Kind.REMOVE_NODES, funding.jobId,
                funding.key.chainJobId(), data, saved -> Uni.createFrom().voidItem());
        LOG.infof("job %s: chain job %d gives up %d of its %d nodes from the next epoch (tx %s)", funding.jobId,
                funding.key.chainJobId(), fewer, onChain, tx.txHash);
        return true;
    }

    private ChainTransaction sendActivation(ContractRegistry.Contracts contracts, JobFunding funding, JobNodes nodes,
            List<String> nodeIds) {
        List<String> operators = operators(funding, nodeIds, true);
        long placement = nodes == null ? 0 : nodes.placement;
        String data = contracts.escrowView().activate(BigInteger.valueOf(funding.key.chainJobId()), operators)
                .encodeFunctionCall();
        ChainTransaction tx = transactions.send(contracts, ChainTransaction.Kind.ACTIVATE, funding.jobId,
                funding.key.chainJobId(), data, saved -> nodes == null ? Uni.createFrom().voidItem() : applied(funding.jobId, placement));
        LOG.infof("job %s: activating chain job %d on %s (tx %s)", funding.jobId, funding.key.chainJobId(), operators,
                tx.txHash);
        return tx;
    }

    /**
     * The payout addresses of {@code nodeIds}, at most as many as the job bought. A node without one is left out (its
     * epochs are withheld and refunded); {@code required}: then it is refused, since an activation must name someone.
     */
    private List<String> operators(JobFunding funding, List<String> nodeIds, boolean required) {
        List<String> operators = new ArrayList<>();
        for (String nodeId : nodeIds) {
            String operator = nodeOperators.payoutOf(nodeId);
            if (operator == null || operator.isBlank()) {
                LOG.warnf("job %s: node %s has no operator address: its epochs there are not paid", funding.jobId, nodeId);
                continue;
            }
            if (operators.size() < funding.nodes && !lower(operators).contains(operator.toLowerCase(Locale.ROOT))) {
                operators.add(operator);
            }
        }
        if (required && operators.isEmpty()) {
            throw new ApiException(400, "UNKNOWN_NODE_OPERATOR", "nodeIds", "none of " + nodeIds
                    + " has an operator address (none registered, nor deeploy.chain.node-operators.<nodeId>)");
        }
        return operators;
    }

    private Uni<Void> applied(String jobId, long placement) {
        return jobNodes.findById(jobId).invoke(nodes -> {
            if (nodes != null) {
                nodes.appliedPlacement = placement;
                nodes.updatedAt = Instant.now();
            }
        }).replaceWithVoid();
    }

    private static Set<String> lower(List<String> addresses) {
        Set<String> lower = new HashSet<>();
        addresses.forEach(a -> lower.add(a.toLowerCase(Locale.ROOT)));
        return lower;
    }

    /**
     * The manual path ({@code POST /internal/jobs/{jobId}/activate}): activates a funded job on {@code nodeIds} now and
     * waits for the receipt. The transaction is recorded like any other.
     */
    public Activation activate(ContractRegistry.Contracts contracts, String jobId, List<String> nodeIds) {
        if (nodeIds == null || nodeIds.isEmpty()) {
            throw ApiException.invalid("nodeIds", "at least one node is needed");
        }
        if (new HashSet<>(nodeIds).size() != nodeIds.size()) {
            throw ApiException.invalid("nodeIds", "a node is listed twice");
        }
        JobFunding funding = Db.tx(() -> fundings.byJob(contracts.deploymentId(), jobId));
        if (funding == null) {
            throw ApiException.notFound("JOB_NOT_FUNDED", "no confirmed funding for " + jobId);
        }
        if (funding.state != JobFunding.State.FUNDED) {
            throw ApiException.conflict("JOB_NOT_ACTIVATABLE", jobId + " is " + funding.state + " on chain");
        }
        if (nodeIds.size() > funding.nodes) {
            throw ApiException.invalid("nodeIds", nodeIds.size() + " nodes for a job that bought " + funding.nodes);
        }
        for (String nodeId : nodeIds) {
            String operator = nodeOperators.payoutOf(nodeId);
            if (operator == null || operator.isBlank()) {
                throw new ApiException(400, "UNKNOWN_NODE_OPERATOR", "nodeIds", "node " + nodeId
                        + " has no operator address (none registered, nor deeploy.chain.node-operators." + nodeId + ")");
            }
        }
        ChainTransaction tx;
        try {
            tx = sendActivation(contracts, funding, null, nodeIds);
        } catch (ChainException e) {
            throw ApiException.conflict("CHAIN_REFUSED", "activate refused: " + e.getMessage());
        }
        var receipt = transactions.awaitReceipt(tx);
        if (!receipt.isStatusOK()) {
            throw ApiException.conflict("CHAIN_REVERTED", "activate reverted in " + receipt.getTransactionHash());
        }
        return new Activation(jobId, funding.key.chainJobId(), operators(funding, nodeIds, true), tx.txHash,
                receipt.getBlockNumber().longValue());
    }
}
