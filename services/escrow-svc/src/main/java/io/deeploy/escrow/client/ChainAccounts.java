package io.deeploy.escrow.client;

import io.deeploy.escrow.config.ChainConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.web3j.crypto.Hash;

/**
 * The two accounts escrow-svc signs with, one per role of the escrow, with separate keys so that neither key alone can
 * pay an address of its choosing: the activator (activate, node sets, close, release; in local mode also the deployer,
 * the escrow's admin and the token's owner) and the settler (settle).
 */
@ApplicationScoped
public class ChainAccounts {

    /** The seed of local mode's settler key: a published, local-only key, like anvil's dev accounts. */
    static final String LOCAL_SETTLER_SEED = "deeploy local settler";

    private final ChainAccount activator;
    private final ChainAccount settler;

    public ChainAccounts(ChainClient chain, ChainConfig config) {
        this.activator = new ChainAccount("activator", chain, activatorKey(config));
        this.settler = new ChainAccount("settler", chain, settlerKey(config));
        if (activator.address().equalsIgnoreCase(settler.address())) {
            throw new IllegalStateException("deeploy.chain.activator-key and settler-key must be different keys");
        }
    }

    public ChainAccount activator() {
        return activator;
    }

    public ChainAccount settler() {
        return settler;
    }

    static String activatorKey(ChainConfig config) {
        return key(config.activatorKey(), config, ChainConfig.ANVIL_DEV_KEY, "activator-key");
    }

    static String settlerKey(ChainConfig config) {
        return key(config.settlerKey(), config, Hash.sha3String(LOCAL_SETTLER_SEED), "settler-key");
    }

    private static String key(Optional<String> configured, ChainConfig config, String localDefault, String property) {
        Optional<String> key = configured.filter(k -> !k.isBlank());
        if (key.isPresent()) {
            return key.get();
        }
        if (config.deployContracts()) {
            return localDefault;
        }
        throw new IllegalStateException("deeploy.chain." + property + " is required when deeploy.chain.deploy-contracts=false");
    }
}
