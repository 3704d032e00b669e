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
     * The private key escrow-svc signs with (the escrow's oracle; in deploy mode also the token owner and escrow admin).
     * A secret: never logged, never in an API answer. Required unless {@link #deployContracts()}.
     */
    Optional<String> oracleKey();

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
     * How long after an epoch ends its settlement may take (the oracle attests it after a short delay, then this
     * service settles it). A stopped or expired job is closed on chain once its settlements in flight are done and
     * this window after the end of the last epoch it began has passed, so a close never hands the owner back an epoch
     * its nodes served.
     */
    @WithDefault("60s")
    Duration settleWindow();

    /**
     * After a call the chain refused (a close before expiry the owner has not delegated, an activation none of whose
     * nodes has an operator address), the next try waits this long.
     */
    @WithDefault("60s")
    Duration refusedRetry();
}
