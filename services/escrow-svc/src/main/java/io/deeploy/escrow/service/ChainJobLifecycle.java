package io.deeploy.escrow.service;

import io.deeploy.escrow.client.ChainException;
import io.deeploy.escrow.client.OracleSigner;
import io.deeploy.escrow.repository.JobFunding;
import io.deeploy.escrow.repository.JobFundingRepository;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * What the platform's oracle does to a job on chain as the job lives: {@code activate} when it first serves (or through
 * {@code POST /internal/jobs/{jobId}/activate}), {@code updateNodes} when it fails over ({@link ChainJobCloser} closes
 * it once stopped). Each call checks the ledger (and the chain) first, so a redelivered event sends nothing.
 */
@ApplicationScoped
public class ChainJobLifecycle {

    private static final Logger LOG = Logger.getLogger(ChainJobLifecycle.class);

    private final ContractRegistry registry;
    private final OracleSigner signer;
    private final JobFundingRepository fundings;
    private final NodeOperators nodeOperators;

    public ChainJobLifecycle(ContractRegistry registry, OracleSigner signer, JobFundingRepository fundings,
            NodeOperators nodeOperators) {
        this.registry = registry;
        this.signer = signer;
        this.fundings = fundings;
        this.nodeOperators = nodeOperators;
    }

    public record Activation(String jobId, long chainJobId, List<String> operators, String transactionHash, long block) {
    }

    /**
     * Activates a job that is funded and not yet active, on the node that first serves it; does nothing for a job that
     * is not funded (unpaid mode) or already active. Failures are logged, never thrown: the job runs either way, and
     * until it is active no epoch is charged.
     */
    public void activateOnFirstStart(String jobId, String nodeId) {
        try {
            ContractRegistry.Contracts contracts = registry.require();
            JobFunding funding = Db.tx(() -> fundings.byJob(contracts.deploymentId(), jobId));
            if (funding == null || funding.state != JobFunding.State.FUNDED) {
                return;
            }
            Activation done = activate(jobId, List.of(nodeId));
            LOG.infof("job %s activated on chain (chain job %d, node %s, tx %s)", jobId, done.chainJobId(), nodeId,
                    done.transactionHash());
        } catch (RuntimeException e) {
            LOG.warnf("job %s not activated on its first start on %s: %s", jobId, nodeId, e.getMessage());
        }
    }

    /**
     * Failover accounting: when an active job is placed anew (NodeSelected after the first), its node set on chain
     * becomes the new nodes' operators from the current epoch, so the nodes now serving it are the ones paid. The set
     * on chain is compared first, so a redelivered placement sends nothing.
     */
    public void followPlacement(String jobId, List<String> nodeIds, long placement) {
        if (placement <= 1 || nodeIds.isEmpty()) {
            return;
        }
        try {
            ContractRegistry.Contracts contracts = registry.require();
            JobFunding funding = Db.tx(() -> fundings.byJob(contracts.deploymentId(), jobId));
            if (funding == null || funding.state != JobFunding.State.ACTIVE) {
                return;
            }
            List<String> operators = new ArrayList<>();
            for (String nodeId : nodeIds) {
                String operator = nodeOperators.payoutOf(nodeId);
                if (operator == null || operator.isBlank()) {
                    LOG.warnf("job %s moved to %s, which has no operator address: its epochs there are not paid", jobId, nodeId);
                    continue;
                }
                operators.add(operator);
            }
            BigInteger chainJobId = BigInteger.valueOf(funding.key.chainJobId());
            @SuppressWarnings("unchecked")
            List<String> onChain = (List<String>) contracts.escrowView().jobNodes(chainJobId).send();
            if (new HashSet<>(onChain.stream().map(a -> a.toLowerCase(java.util.Locale.ROOT)).toList())
                    .equals(new HashSet<>(operators.stream().map(a -> a.toLowerCase(java.util.Locale.ROOT)).toList()))) {
                return;
            }
            String data = contracts.escrowView().updateNodes(chainJobId, operators).encodeFunctionCall();
            TransactionReceipt receipt = signer.transact(contracts.escrow(), data);
            LOG.infof("job %s: chain job %d now pays %s (placement %d, tx %s, %s)", jobId, funding.key.chainJobId(), operators,
                    placement, receipt.getTransactionHash(), receipt.isStatusOK() ? "mined" : "reverted");
        } catch (Exception e) {
            LOG.warnf("job %s: node set not updated on chain after placement %d: %s", jobId, placement, e.getMessage());
        }
    }

    /** Blocking: waits for the receipt. The ledger shows ACTIVE once the watcher has seen JobActivated confirmed. */
    public Activation activate(String jobId, List<String> nodeIds) {
        if (nodeIds == null || nodeIds.isEmpty()) {
            throw ApiException.invalid("nodeIds", "at least one node is needed");
        }
        if (new HashSet<>(nodeIds).size() != nodeIds.size()) {
            throw ApiException.invalid("nodeIds", "a node is listed twice");
        }
        ContractRegistry.Contracts contracts = registry.require();
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
        List<String> operators = new ArrayList<>();
        for (String nodeId : nodeIds) {
            String operator = nodeOperators.payoutOf(nodeId);
            if (operator == null || operator.isBlank()) {
                throw new ApiException(400, "UNKNOWN_NODE_OPERATOR", "nodeIds",
                        "node " + nodeId + " has no operator address (none registered, nor deeploy.chain.node-operators."
                                + nodeId + ")");
            }
            operators.add(operator);
        }
        String data = contracts.escrowView().activate(BigInteger.valueOf(funding.key.chainJobId()), operators)
                .encodeFunctionCall();
        TransactionReceipt receipt;
        try {
            receipt = signer.transact(contracts.escrow(), data);
        } catch (ChainException e) {
            throw ApiException.conflict("CHAIN_REFUSED", "activate refused: " + e.getMessage());
        }
        if (!receipt.isStatusOK()) {
            throw ApiException.conflict("CHAIN_REVERTED", "activate reverted in " + receipt.getTransactionHash());
        }
        return new Activation(jobId, funding.key.chainJobId(), operators, receipt.getTransactionHash(),
                receipt.getBlockNumber().longValue());
    }
}
