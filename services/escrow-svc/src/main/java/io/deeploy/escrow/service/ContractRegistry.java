package io.deeploy.escrow.service;

import io.deeploy.escrow.client.ChainClient;
import io.deeploy.escrow.client.ChainException;
import io.deeploy.escrow.client.ChainAccount;
import io.deeploy.escrow.client.ChainAccounts;
import io.deeploy.escrow.config.ChainConfig;
import io.deeploy.escrow.contracts.DeeployEscrow;
import io.deeploy.escrow.contracts.DeeployUSD;
import io.deeploy.escrow.repository.ContractDeployment;
import io.deeploy.escrow.repository.ContractDeploymentRepository;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.generated.Uint16;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * Knows which token and escrow this service works with. Deploy mode (local chains): deploys DeeployUSD and then
 * DeeployEscrow with this service's two accounts as activator and settler (and gives the settler gas money), once, and
 * records them per chain id and parameters; a restart (or another {@code ./deeploy up}) reuses them while their code is
 * still at the address, and deploys afresh on a new chain (anvil without its state). Otherwise it uses the configured
 * addresses after checking there is code there.
 */
@ApplicationScoped
public class ContractRegistry {

    private static final Logger LOG = Logger.getLogger(ContractRegistry.class);
    /** 100 ETH of anvil's dev money: enough gas for a local settler's lifetime. */
    static final BigInteger SETTLER_GAS_MONEY = BigInteger.TEN.pow(20);

    private final ChainClient chain;
    private final ChainAccount activator;
    private final ChainAccount settler;
    private final ChainConfig config;
    private final ContractDeploymentRepository deployments;
    private volatile Contracts current;
    private volatile List<JobType> jobTypes;
    private volatile long jobTypesAt;

    public ContractRegistry(ChainClient chain, ChainAccounts accounts, ChainConfig config,
            ContractDeploymentRepository deployments) {
        this.chain = chain;
        this.activator = accounts.activator();
        this.settler = accounts.settler();
        this.config = config;
        this.deployments = deployments;
    }

    /** The contracts in use; {@code genesis} and {@code epochLength} in seconds. */
    public record Contracts(long deploymentId, long chainId, String token, String escrow, String activator,
            String settler, long genesis, long epochLength, int thresholdBps, int settleWindowEpochs, long deployBlock,
            boolean deployedHere, DeeployEscrow escrowView, DeeployUSD tokenView) {

        /** Where {@code epoch} begins on the contract's clock. */
        public java.time.Instant epochStart(long epoch) {
            return java.time.Instant.ofEpochSecond(genesis + epoch * epochLength);
        }

        /** The epoch {@code at} falls in, on the contract's clock. */
        public long epochAt(java.time.Instant at) {
            return Math.floorDiv(at.getEpochSecond() - genesis, epochLength);
        }
    }

    public record JobType(int id, long cpuMillis, long memoryMb, BigInteger pricePerEpoch) {
    }

    void onStart(@Observes StartupEvent event) {
        try {
            ensure();
        } catch (RuntimeException e) {
            // Not fatal: readiness reports the chain, and the watcher and settler try again on every tick.
            LOG.warnf("contracts not ready yet: %s", e.getMessage());
        }
    }

    /** The contracts, resolving (and in deploy mode deploying) them on first use. Blocking. */
    public Contracts ensure() {
        Contracts known = current;
        if (known != null) {
            return known;
        }
        synchronized (this) {
            if (current == null) {
                current = config.deployContracts() ? deployedOrDeploy() : configured();
                LOG.infof("contracts on chain %d: escrow %s, token %s, activator %s, settler %s, epoch %d s%s",
                        current.chainId(), current.escrow(), current.token(), current.activator(), current.settler(),
                        current.epochLength(), current.deployedHere() ? " (deployed here)" : "");
            }
            return current;
        }
    }

    /** The contracts if resolved, else a 503 for the API. */
    public Contracts require() {
        try {
            return ensure();
        } catch (ChainException e) {
            throw ApiException.chainUnavailable(e.getMessage());
        }
    }

    /** The escrow's job types, read from the chain (cached for a minute: types are only ever added). Blocking. */
    public List<JobType> jobTypes() {
        List<JobType> cached = jobTypes;
        if (cached != null && System.currentTimeMillis() - jobTypesAt < 60_000) {
            return cached;
        }
        DeeployEscrow escrow = require().escrowView();
        List<JobType> types = new ArrayList<>();
        try {
            for (Object id : escrow.jobTypeIds().send()) {
                BigInteger typeId = id instanceof BigInteger big ? big : ((org.web3j.abi.datatypes.generated.Uint8) id).getValue();
                var t = escrow.jobType(typeId).send();
                types.add(new JobType(typeId.intValue(), t.component1().longValue(), t.component2().longValue(), t.component3()));
            }
        } catch (Exception e) {
            throw ApiException.chainUnavailable("cannot read job types: " + e.getMessage());
        }
        types.sort(Comparator.comparing(JobType::pricePerEpoch).thenComparing(JobType::id));
        jobTypes = List.copyOf(types);
        jobTypesAt = System.currentTimeMillis();
        return jobTypes;
    }

    public Optional<JobType> jobType(int id) {
        return jobTypes().stream().filter(t -> t.id() == id).findFirst();
    }

    /** The cheapest job type whose node has at least {@code cpuMillis} and {@code memoryMb} (the lower id on a tie). */
    public Optional<JobType> cheapestCovering(long cpuMillis, long memoryMb) {
        return cheapestCovering(jobTypes(), cpuMillis, memoryMb);
    }

    static Optional<JobType> cheapestCovering(List<JobType> types, long cpuMillis, long memoryMb) {
        return types.stream().filter(t -> t.cpuMillis() >= cpuMillis && t.memoryMb() >= memoryMb)
                .min(java.util.Comparator.comparing(JobType::pricePerEpoch).thenComparing(JobType::id));
    }

    private Contracts deployedOrDeploy() {
        long chainId = chain.chainId();
        long epochLength = config.epochLength().toSeconds();
        List<ContractDeployment> known = Db.tx(() -> deployments.deployedHere(chainId, activator.address(),
                settler.address(), epochLength, config.uptimeThresholdBps(), config.settleWindowEpochs()));
        for (ContractDeployment d : known) {
            if (chain.hasCode(d.escrowAddress) && chain.hasCode(d.tokenAddress)) {
                return contracts(d);
            }
            LOG.infof("escrow %s recorded for chain %d has no code any more (a fresh chain): deploying again",
                    d.escrowAddress, chainId);
        }
        return contracts(deploy(chainId, epochLength));
    }

    private ContractDeployment deploy(long chainId, long epochLength) {
        TransactionReceipt token = activator.transact(null, DeeployUSD.BINARY);
        requireSuccess(token, "DeeployUSD deployment");
        String constructor = FunctionEncoder.encodeConstructor(List.of(new Address(160, token.getContractAddress()),
                new Address(160, activator.address()), new Address(160, settler.address()),
                new Uint64(BigInteger.valueOf(epochLength)), new Uint16(BigInteger.valueOf(config.uptimeThresholdBps())),
                new Uint64(BigInteger.valueOf(config.settleWindowEpochs()))));
        TransactionReceipt escrow = activator.transact(null, DeeployEscrow.BINARY + constructor);
        requireSuccess(escrow, "DeeployEscrow deployment");
        // The settler signs its own transactions: local mode gives it gas money from the deployer's dev account.
        requireSuccess(activator.sendValue(settler.address(), SETTLER_GAS_MONEY), "gas money for the settler");
        Instant now = Instant.now();
        ContractDeployment d = new ContractDeployment();
        d.chainId = chainId;
        d.tokenAddress = token.getContractAddress();
        d.escrowAddress = escrow.getContractAddress();
        d.activatorAddress = activator.address();
        d.settlerAddress = settler.address();
        d.settleWindowEpochs = config.settleWindowEpochs();
        d.epochLength = epochLength;
        d.thresholdBps = config.uptimeThresholdBps();
        d.deployedHere = true;
        d.deployBlock = escrow.getBlockNumber().longValue();
        d.nextBlock = d.deployBlock;
        d.createdAt = now;
        d.updatedAt = now;
        LOG.infof("deployed DeeployUSD at %s and DeeployEscrow at %s (block %d)", d.tokenAddress, d.escrowAddress,
                d.deployBlock);
        return Db.tx(() -> deployments.persist(d));
    }

    private Contracts configured() {
        String escrow = config.escrowAddress().filter(a -> !a.isBlank()).orElseThrow(() -> new IllegalStateException(
                "deeploy.chain.escrow-address is required when deeploy.chain.deploy-contracts=false"));
        String token = config.tokenAddress().filter(a -> !a.isBlank()).orElseThrow(() -> new IllegalStateException(
                "deeploy.chain.token-address is required when deeploy.chain.deploy-contracts=false"));
        for (String address : List.of(escrow, token)) {
            if (!chain.hasCode(address)) {
                throw new IllegalStateException("no contract code at " + address + " on " + config.rpcUrl());
            }
        }
        long chainId = chain.chainId();
        DeeployEscrow view = view(escrow);
        long epochLength;
        int threshold;
        int settleWindow;
        String escrowActivator;
        String escrowSettler;
        try {
            String escrowToken = view.token().send();
            if (!escrowToken.equalsIgnoreCase(token)) {
                throw new IllegalStateException("escrow " + escrow + " uses token " + escrowToken + ", not " + token);
            }
            epochLength = view.epochLength().send().longValue();
            threshold = view.uptimeThresholdBps().send().intValue();
            settleWindow = view.settleWindowEpochs().send().intValueExact();
            escrowActivator = view.activator().send();
            escrowSettler = view.settler().send();
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new ChainException("cannot read escrow " + escrow + ": " + e.getMessage(), e);
        }
        if (!escrowActivator.equalsIgnoreCase(activator.address())) {
            LOG.warnf("escrow %s has activator %s, not this service's account %s: activation and closes will fail",
                    escrow, escrowActivator, activator.address());
        }
        if (!escrowSettler.equalsIgnoreCase(settler.address())) {
            LOG.warnf("escrow %s has settler %s, not this service's account %s: settlement will fail", escrow,
                    escrowSettler, settler.address());
        }
        ContractDeployment d = Db.tx(() -> deployments.byEscrow(chainId, escrow).chain(existing -> {
            if (existing != null) {
                return Uni.createFrom().item(existing);
            }
            Instant now = Instant.now();
            ContractDeployment fresh = new ContractDeployment();
            fresh.chainId = chainId;
            fresh.tokenAddress = token;
            fresh.escrowAddress = escrow;
            fresh.activatorAddress = escrowActivator;
            fresh.settlerAddress = escrowSettler;
            fresh.settleWindowEpochs = settleWindow;
            fresh.epochLength = epochLength;
            fresh.thresholdBps = threshold;
            fresh.deployedHere = false;
            fresh.deployBlock = config.startBlock();
            fresh.nextBlock = config.startBlock();
            fresh.createdAt = now;
            fresh.updatedAt = now;
            return deployments.persist(fresh);
        }));
        return contracts(d);
    }

    private Contracts contracts(ContractDeployment d) {
        DeeployEscrow view = view(d.escrowAddress);
        long genesis;
        int settleWindow;
        try {
            genesis = view.genesis().send().longValue();
            settleWindow = view.settleWindowEpochs().send().intValueExact();
        } catch (Exception e) {
            throw new ChainException("cannot read genesis and settle window of " + d.escrowAddress + ": " + e.getMessage(), e);
        }
        DeeployUSD tokenView = DeeployUSD.load(d.tokenAddress, chain.web3j(),
                new ReadonlyTransactionManager(chain.web3j(), activator.address()), new DefaultGasProvider());
        return new Contracts(d.id, d.chainId, d.tokenAddress, d.escrowAddress, d.activatorAddress, d.settlerAddress,
                genesis, d.epochLength, d.thresholdBps, settleWindow, d.deployBlock, d.deployedHere, view,
                tokenView);
    }

    private DeeployEscrow view(String escrow) {
        return DeeployEscrow.load(escrow, chain.web3j(), new ReadonlyTransactionManager(chain.web3j(), activator.address()),
                new DefaultGasProvider());
    }

    static void requireSuccess(TransactionReceipt receipt, String what) {
        if (!receipt.isStatusOK()) {
            throw new ChainException(what + " reverted in " + receipt.getTransactionHash(), null);
        }
    }
}
