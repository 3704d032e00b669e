package io.deeploy.project.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;

/**
 * Who runs the node registry: the admins who may suspend and blacklist nodes, which node addresses are accepted, and
 * where the nodes' live state is read.
 */
@ConfigMapping(prefix = "deeploy.registry")
public interface RegistryConfig {

    /** Wallet addresses of the platform's admins (the seed's trust governance). */
    Optional<List<String>> admins();

    /**
     * Whether a node may be registered with a loopback address. The ingress sends the public's requests to a node's
     * address, so a loopback one would let an operator point them at the platform's own services; a single-machine
     * install (whose one node is this machine) turns it on explicitly.
     */
    @WithDefault("false")
    boolean allowLoopbackAddresses();

    /**
     * scheduler-svc (env {@code DEEPLOY_REGISTRY_SCHEDULER_URL}), whose registry knows each node's state, tags and free
     * resources: the console lists them (through {@code GET /api/platform/nodes}) to choose nodes or a tag filter.
     */
    Optional<String> schedulerUrl();
}
