package io.deeploy.escrow.rest;

import io.deeploy.escrow.client.ChainClient;
import io.deeploy.escrow.client.ChainException;
import io.deeploy.escrow.config.ChainConfig;
import io.deeploy.escrow.repository.ChainTransactionRepository;
import io.deeploy.escrow.repository.JobFunding;
import io.deeploy.escrow.repository.JobFundingRepository;
import io.deeploy.escrow.repository.SettlementRepository;
import io.deeploy.escrow.service.ApiException;
import io.deeploy.escrow.service.ContractRegistry;
import io.deeploy.escrow.service.EscrowArithmetic;
import io.deeploy.events.JobIds;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;
import org.web3j.utils.Numeric;

/** The chain, prices and estimates, and each job's funding and settlements. Token amounts are strings of base units. */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class EscrowResource {

    private static final Logger LOG = Logger.getLogger(EscrowResource.class);

    private final ChainClient chain;
    private final ContractRegistry registry;
    private final ChainConfig config;
    private final SettlementRepository settlements;
    private final JobFundingRepository fundings;
    private final ChainTransactionRepository transactions;

    public EscrowResource(ChainClient chain, ContractRegistry registry, ChainConfig config,
            SettlementRepository settlements, JobFundingRepository fundings, ChainTransactionRepository transactions) {
        this.transactions = transactions;
        this.chain = chain;
        this.registry = registry;
        this.config = config;
        this.settlements = settlements;
        this.fundings = fundings;
    }

    public record ChainView(long chainId, long blockNumber, String escrowAddress, String tokenAddress,
            String activatorAddress, String settlerAddress, Long genesis, Long epochLengthSeconds, Long currentEpoch,
            Integer uptimeThresholdBps, Integer settleWindowEpochs, int confirmations, Boolean deployedHere) {
    }

    public record JobTypeView(int id, long cpuMillis, long memoryMb, String pricePerEpoch, String pricePerEpochFormatted) {
    }

    public record EstimateView(int jobType, long nodes, long epochs, String amount, String amountFormatted,
            String token, int decimals) {
    }

    public record FundingView(String jobId, long chainJobId, String escrowAddress, String owner, int jobType, int nodes,
            long epochs, String pricePerEpoch, String deposited, String paid, String refunded, String balance,
            String state, Long startEpoch, Long endEpoch, String transactionHash, Instant closeRequestedAt,
            String closeError) {
    }

    /** A transaction for the user's wallet to sign and send, exactly: to, calldata (0x hex), and what it does. */
    public record TransactionToSign(String to, String data, String description) {
    }

    /** What extending a job by {@code epochs} costs and the transactions that do it, in order. */
    public record ExtensionView(String jobId, long chainJobId, long epochs, String amount, String amountFormatted,
            String token, String escrowAddress, List<TransactionToSign> transactions) {
    }

    /**
     * What giving a job {@code nodes} nodes in all costs ({@code extraNodes} more than its chain job pays for, from
     * {@code fromEpoch} on, null before activation: then for every epoch bought) and the transactions that do it, in order.
     */
    public record NodePurchaseView(String jobId, long chainJobId, int nodes, int extraNodes, Long fromEpoch, String amount,
            String amountFormatted, String token, String escrowAddress, List<TransactionToSign> transactions) {
    }

    /**
     * What paying for a backend job costs and the transactions that do it from its owner's wallet, in order: approve the
     * escrow for exactly the quote, then {@code createJob} naming the job's request id (so the funds are announced for it).
     */
    public record PaymentView(String jobId, int jobType, long nodes, long epochs, String amount, String amountFormatted,
            String token, String escrowAddress, String requestId, List<TransactionToSign> transactions) {
    }

    public record TransactionView(String kind, String txHash, long nonce, String state, Long blockNumber, String error,
            Instant createdAt) {
    }

    public record SettlementView(String jobId, long epoch, String state, String txHash, String paid, String withheld,
            Instant requestedAt) {
    }

    /** Blocking (runs on a worker thread). Never shows the signing key. */
    @GET
    @Path("/chain")
    public ChainView chain() {
        long chainId = chain.chainId();
        long head = chain.blockNumber();
        try {
            ContractRegistry.Contracts c = registry.ensure();
            long epoch = c.escrowView().currentEpoch().send().longValue();
            return new ChainView(chainId, head, c.escrow(), c.token(), c.activator(), c.settler(), c.genesis(),
                    c.epochLength(), epoch, c.thresholdBps(), c.settleWindowEpochs(), config.confirmations(),
                    c.deployedHere());
        } catch (Exception e) {
            LOG.debugf("contracts not readable: %s", e.getMessage());
            return new ChainView(chainId, head, null, null, null, null, null, null, null, null, null,
                    config.confirmations(), null);
        }
    }

    @GET
    @Path("/job-types")
    public List<JobTypeView> jobTypes() {
        return registry.jobTypes().stream().map(t -> new JobTypeView(t.id(), t.cpuMillis(), t.memoryMb(),
                t.pricePerEpoch().toString(), EscrowArithmetic.format(t.pricePerEpoch()))).toList();
    }

    /**
     * What createJob will charge: the contract's own quote (the Java arithmetic must agree; it is logged if not). The job
     * type is named, or chosen from the resources a node must have ({@code cpu} in cores, {@code memoryMb}): the cheapest
     * type that covers them, as a job of those resources must be paid for.
     */
    @GET
    @Path("/estimate")
    public EstimateView estimate(@QueryParam("jobType") String jobType, @QueryParam("nodes") String nodes,
            @QueryParam("epochs") String epochs, @QueryParam("cpu") String cpu, @QueryParam("memoryMb") String memoryMb) {
        ContractRegistry.JobType known = jobTypeFor(jobType, cpu, memoryMb);
        long nodeCount = parse("nodes", nodes, 1, 0xFFFF_FFFFL);
        long epochCount = parse("epochs", epochs, 1, 0xFFFF_FFFFL);
        int type = known.id();
        ContractRegistry.Contracts c = registry.require();
        BigInteger onChain;
        try {
            onChain = c.escrowView().quote(BigInteger.valueOf(type), BigInteger.valueOf(nodeCount),
                    BigInteger.valueOf(epochCount)).send();
        } catch (Exception e) {
            throw new ChainException("quote failed: " + e.getMessage(), e);
        }
        BigInteger local = EscrowArithmetic.quote(known.pricePerEpoch(), nodeCount, epochCount);
        if (!local.equals(onChain)) {
            LOG.errorf("quote(%d, %d, %d): chain %s, Java %s", type, nodeCount, epochCount, onChain, local);
        }
        return new EstimateView(type, nodeCount, epochCount, onChain.toString(), EscrowArithmetic.format(onChain),
                c.token(), EscrowArithmetic.TOKEN_DECIMALS);
    }

    /**
     * The job type a node of {@code cpu} cores and {@code memoryMb} is paid by: the one named, which must give a node at
     * least that much (400 JOB_TYPE_TOO_SMALL naming {@code jobType}: the seed checked the container's resources against
     * the type paid for), or else the cheapest that does.
     */
    private ContractRegistry.JobType jobTypeFor(String jobType, String cpu, String memoryMb) {
        boolean named = jobType != null && !jobType.isBlank();
        if (!named && cpu == null && memoryMb == null) {
            throw ApiException.invalid("jobType", "jobType is required, or the resources of a node (cpu, memoryMb)");
        }
        long cpuMillis = cpuMillis(cpu);
        long memory = memoryMb == null ? 0 : parse("memoryMb", memoryMb, 0, 1L << 30);
        if (!named) {
            return covering(cpuMillis, memory);
        }
        int type = (int) parse("jobType", jobType, 0, 255);
        ContractRegistry.JobType known = registry.jobType(type).orElseThrow(() -> new ApiException(400,
                "UNKNOWN_JOB_TYPE", "jobType", "no job type " + type + " (see GET /api/job-types)"));
        if (known.cpuMillis() < cpuMillis || known.memoryMb() < memory) {
            throw new ApiException(400, "JOB_TYPE_TOO_SMALL", "jobType", "job type " + type + " gives a node "
                    + known.cpuMillis() + " mCPU and " + known.memoryMb() + " MiB, less than the " + cpuMillis + " mCPU and "
                    + memory + " MiB asked for (the cheapest that covers them is " + covering(cpuMillis, memory).id() + ")");
        }
        return known;
    }

    private static long cpuMillis(String cpu) {
        long cpuMillis;
        try {
            cpuMillis = cpu == null ? 0 : new java.math.BigDecimal(cpu.strip()).movePointRight(3).setScale(0, java.math.RoundingMode.CEILING)
                    .longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw ApiException.invalid("cpu", "cpu is a number of cores, such as 0.5");
        }
        if (cpuMillis < 0 || cpuMillis > 1_000_000) {
            throw ApiException.invalid("cpu", "cpu must be between 0 and 1000 cores");
        }
        return cpuMillis;
    }

    /** The cheapest job type for a node of {@code cpuMillis} and {@code memory}; 400 naming the field that no type covers. */
    private ContractRegistry.JobType covering(long cpuMillis, long memory) {
        return registry.cheapestCovering(cpuMillis, memory).orElseThrow(() -> new ApiException(400,
                "NO_JOB_TYPE_FITS", cpuMillis > registry.jobTypes().stream().mapToLong(ContractRegistry.JobType::cpuMillis).max().orElse(0)
                        ? "cpu" : "memoryMb", "no job type has " + cpuMillis + " mCPU and " + memory + " MiB per node (see GET /api/job-types)"));
    }

    static long parse(String field, String value, long min, long max) {
        if (value == null || value.isBlank()) {
            throw ApiException.invalid(field, field + " is required");
        }
        long parsed;
        try {
            parsed = Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw ApiException.invalid(field, field + " must be an integer");
        }
        if (parsed < min || parsed > max) {
            throw ApiException.invalid(field, field + " must be between " + min + " and " + max);
        }
        return parsed;
    }

    @GET
    @Path("/jobs/{jobId}/funding")
    @WithSession
    public Uni<FundingView> funding(@PathParam("jobId") String jobId) {
        ContractRegistry.Contracts c = registry.require();
        return fundings.byJob(c.deploymentId(), jobId).map(f -> {
            if (f == null) {
                throw ApiException.notFound("JOB_NOT_FUNDED", "no confirmed funding for " + jobId);
            }
            return view(c, f);
        });
    }

    static FundingView view(ContractRegistry.Contracts c, JobFunding f) {
        BigInteger balance = f.deposited.subtract(f.paid).subtract(f.refunded);
        return new FundingView(f.jobId, f.key.chainJobId(), c.escrow(), f.ownerAddress, f.jobType, f.nodes, f.epochs,
                f.pricePerEpoch.toString(), f.deposited.toString(), f.paid.toString(), f.refunded.toString(),
                balance.toString(), f.state.name(), f.startEpoch, f.endEpoch, f.createdTx, f.closeRequestedAt, f.closeError);
    }

    @GET
    @Path("/jobs/{jobId}/settlements")
    @WithSession
    public Uni<List<SettlementView>> settlements(@PathParam("jobId") String jobId) {
        return settlements.listForJob(jobId).map(list -> list.stream()
                .map(s -> new SettlementView(s.key.jobId(), s.key.epoch(), s.state.name(), s.txHash,
                        s.paid == null ? null : s.paid.toString(), s.withheld == null ? null : s.withheld.toString(),
                        s.requestedAt)).toList());
    }

    /** The transactions escrow-svc sent for the job (activate, node sets, close), oldest first, with what became of them. */
    @GET
    @Path("/jobs/{jobId}/transactions")
    @WithSession
    public Uni<List<TransactionView>> transactions(@PathParam("jobId") String jobId) {
        ContractRegistry.Contracts c = registry.require();
        return transactions.ofJob(c.deploymentId(), jobId).map(list -> list.stream()
                .map(t -> new TransactionView(t.kind.name(), t.txHash, t.nonce, t.state.name(), t.blockNumber, t.error,
                        t.createdAt)).toList());
    }

    /**
     * How to pay for the backend job {@code jobId} ({@link PaymentView}): its job type as {@link #estimate} chooses or
     * checks it against the resources of a node, for {@code nodes} x {@code epochs}. Nothing changes here: the funds
     * count once the chain confirms createJob (FundsLocked) and project-svc accepts them.
     */
    @GET
    @Path("/jobs/{jobId}/payment")
    public PaymentView payment(@PathParam("jobId") String jobId, @QueryParam("jobType") String jobType,
            @QueryParam("cpu") String cpu, @QueryParam("memoryMb") String memoryMb, @QueryParam("nodes") String nodes,
            @QueryParam("epochs") String epochs) {
        byte[] requestId;
        try {
            requestId = JobIds.requestIdOf(jobId);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("jobId", e.getMessage());
        }
        EstimateView estimate = estimate(jobType, nodes, epochs, cpu, memoryMb);
        ContractRegistry.Contracts c = registry.require();
        BigInteger amount = new BigInteger(estimate.amount());
        List<TransactionToSign> transactions = List.of(
                new TransactionToSign(c.token(), c.tokenView().approve(c.escrow(), amount).encodeFunctionCall(),
                        "approve the escrow for " + estimate.amountFormatted() + " dUSD"),
                new TransactionToSign(c.escrow(), c.escrowView().createJob(BigInteger.valueOf(estimate.jobType()),
                        BigInteger.valueOf(estimate.nodes()), BigInteger.valueOf(estimate.epochs()), new byte[32], requestId)
                        .encodeFunctionCall(), "pay for " + jobId + ": job type " + estimate.jobType() + ", "
                                + estimate.nodes() + " node(s) x " + estimate.epochs() + " epoch(s)"));
        return new PaymentView(jobId, estimate.jobType(), estimate.nodes(), estimate.epochs(), estimate.amount(),
                estimate.amountFormatted(), c.token(), c.escrow(), Numeric.toHexString(requestId), transactions);
    }

    /**
     * The transactions that extend the job's chain job by {@code epochs}, for its owner's wallet: approve the escrow for
     * exactly what {@code extendJob} charges (price x the job's nodes x epochs), then {@code extendJob}. Nothing changes
     * here: the ledger, and the job's paid time, follow the chain once it confirms them (JobExtended). 404
     * JOB_NOT_FUNDED; 409 JOB_CLOSED once it is closed or stopping, JOB_EXPIRED once its paid epochs are over.
     */
    @GET
    @Path("/jobs/{jobId}/extension")
    @WithSession
    public Uni<ExtensionView> extension(@PathParam("jobId") String jobId, @QueryParam("epochs") String epochs) {
        long epochCount = parse("epochs", epochs, 1, 0xFFFF_FFFFL);
        ContractRegistry.Contracts c = registry.require();
        return fundings.byJob(c.deploymentId(), jobId).map(f -> {
            requireOpen(c, jobId, f);
            BigInteger amount = EscrowArithmetic.quote(f.pricePerEpoch, f.nodes, epochCount);
            BigInteger chainJobId = BigInteger.valueOf(f.key.chainJobId());
            List<TransactionToSign> transactions = List.of(
                    new TransactionToSign(c.token(), c.tokenView().approve(c.escrow(), amount).encodeFunctionCall(),
                            "approve the escrow for " + EscrowArithmetic.format(amount) + " dUSD"),
                    new TransactionToSign(c.escrow(), c.escrowView().extendJob(chainJobId, BigInteger.valueOf(epochCount))
                            .encodeFunctionCall(), "extend chain job " + chainJobId + " by " + epochCount + " epoch(s)"));
            return new ExtensionView(jobId, f.key.chainJobId(), epochCount, amount.toString(), EscrowArithmetic.format(amount),
                    c.token(), c.escrow(), transactions);
        });
    }

    /**
     * The transactions that give the job's chain job {@code nodes} nodes in all, for its owner's wallet: approve the
     * escrow for exactly what {@code addNodes} charges now (price x the extra nodes x the epochs bought before activation,
     * or the epochs after the current one once active), then {@code addNodes}. Sent in a later epoch, it charges less
     * than approved. Nothing changes here: the ledger, and the job's nodes, follow the chain once it confirms them
     * (NodesAdded, then PaidPeriodChanged). 404 JOB_NOT_FUNDED; 409 JOB_CLOSED, JOB_EXPIRED, NO_EPOCHS_LEFT in the job's
     * last epoch, NODES_ALREADY_PAID when the chain job pays for that many already.
     */
    @GET
    @Path("/jobs/{jobId}/node-purchase")
    @WithSession
    public Uni<NodePurchaseView> nodePurchase(@PathParam("jobId") String jobId, @QueryParam("nodes") String nodes) {
        int total = (int) parse("nodes", nodes, 1, 100);
        ContractRegistry.Contracts c = registry.require();
        return fundings.byJob(c.deploymentId(), jobId).map(f -> {
            requireOpen(c, jobId, f);
            if (total <= f.nodes) {
                throw ApiException.conflict("NODES_ALREADY_PAID", jobId + "'s chain job pays for " + f.nodes + " node(s)");
            }
            int extra = total - f.nodes;
            Long fromEpoch = null;
            long epochs = f.epochs;
            if (f.endEpoch != null) {
                fromEpoch = c.epochAt(Instant.now()) + 1;
                epochs = f.endEpoch - fromEpoch;
                if (epochs <= 0) {
                    throw ApiException.conflict("NO_EPOCHS_LEFT", jobId + " is in its last paid epoch: extend it first");
                }
            }
            BigInteger amount = EscrowArithmetic.quote(f.pricePerEpoch, extra, epochs);
            BigInteger chainJobId = BigInteger.valueOf(f.key.chainJobId());
            List<TransactionToSign> transactions = List.of(
                    new TransactionToSign(c.token(), c.tokenView().approve(c.escrow(), amount).encodeFunctionCall(),
                            "approve the escrow for " + EscrowArithmetic.format(amount) + " dUSD"),
                    new TransactionToSign(c.escrow(), c.escrowView().addNodes(chainJobId, BigInteger.valueOf(extra))
                            .encodeFunctionCall(), "add " + extra + " node(s) to chain job " + chainJobId));
            return new NodePurchaseView(jobId, f.key.chainJobId(), total, extra, fromEpoch, amount.toString(),
                    EscrowArithmetic.format(amount), c.token(), c.escrow(), transactions);
        });
    }

    /** 404 JOB_NOT_FUNDED without a linked chain job; 409 JOB_CLOSED once it is closed or closing, JOB_EXPIRED once over. */
    private static void requireOpen(ContractRegistry.Contracts c, String jobId, JobFunding f) {
        if (f == null) {
            throw ApiException.notFound("JOB_NOT_FUNDED", "no confirmed funding for " + jobId);
        }
        if (f.state == JobFunding.State.CLOSED || f.state == JobFunding.State.ENDED || f.closeRequestedAt != null) {
            throw ApiException.conflict("JOB_CLOSED", jobId + " is stopped: its chain job is closed or closing");
        }
        if (f.endEpoch != null && c.epochAt(Instant.now()) >= f.endEpoch) {
            throw ApiException.conflict("JOB_EXPIRED", jobId + "'s paid epochs are over: it is not changed any more");
        }
    }
}
