package io.deeploy.escrow.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

@ConfigMapping(prefix = "deeploy.chain")
public interface ChainConfig {

    /** JSON-RPC endpoint of the EVM node. */
    String rpcUrl();

    /** The chain id the deployment expects; readiness fails on another chain. */
    Optional<Long> expectedChainId();

    /** Blocks after which a contract event counts as final. */
    @WithDefault("2")
    int confirmations();
}
