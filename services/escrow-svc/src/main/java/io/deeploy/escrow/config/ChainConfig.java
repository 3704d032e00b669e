package io.deeploy.escrow.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

@ConfigMapping(prefix = "deeploy.chain")
public interface ChainConfig {

    /** anvil's well-known dev account #0: only ever used when this service deploys its own contracts. */
    String ANVIL_DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    /** JSON-RPC endpoint of the EVM node. */
    String rpcUrl();

    /** The chain id the deployment expects; readiness fails on another chain. */
    Optional<Long> expectedChainId();

    /** Blocks after which a contract event or a settlement receipt counts as final. */
    @WithDefault("2")
    int confirmations();

    /**
     * The private key of the escrow's activator (activate, node sets, close, release; in deploy mode also the token
     * owner and escrow admin). A secret: never logged, never in an API answer. Required unless {@link #deployContracts()}.
     */
    Optional<String> activatorKey();

    /**
     * The private key of the escrow's settler (settle), a different key from the activator's. A secret. Required unless
     * {@link #deployContracts()}; deploy mode uses a published local-only key and gives it gas money.
     */
    Optional<String> settlerKey();

    /** Local mode: deploy DeeployUSD and DeeployEscrow (once per chain, reused after restarts). */
    @WithDefault("true")
    boolean deployContracts();

    /** The escrow to use when not deploying. */
    Optional<String> escrowAddress();

    /** The token to use when not deploying; must be the escrow's token. */
    Optional<String> tokenAddress();

    /** First block the watcher reads when not deploying (the escrow's deployment block). */
    @WithDefault("0")
    long startBlock();

    /** Epoch length of a deployed escrow (a configured escrow reports its own). */
    @WithDefault("1h")
    Duration epochLength();

    /** Uptime, in basis points, at or above which a node-epoch is paid (deploy mode). */
    @WithDefault("9000")
    int uptimeThresholdBps();

    /** Node id to the operator address paid for it: {@code deeploy.chain.node-operators.<nodeId>=0x...}. */
    Map<String, String> nodeOperators();

    /** How often the watcher reads new blocks and the settler sends and reconciles. */
    @WithDefault("2s")
    Duration pollInterval();

    /** Most blocks read in one eth_getLogs. */
    @WithDefault("500")
    int logRange();

    /** Most settlement entries (job, epoch, node) in one settle transaction. */
    @WithDefault("100")
    int settleBatchSize();

    /** A recorded settlement transaction still unknown to the node after this long is broadcast again. */
    @WithDefault("30s")
    Duration rebroadcastAfter();

    /**
     * Deploy mode: the epochs after an epoch ends during which the escrow accepts its settlement; a closed job's rest goes
     * back to its owner after the window of its last epoch (a configured escrow reports its own).
     */
    @WithDefault("2")
    int settleWindowEpochs();

    /**
     * After a call the chain refused (a release the chain finds early, an activation none of whose nodes has an operator
     * address), the next try waits this long.
     */
    @WithDefault("60s")
    Duration refusedRetry();
}
