package io.deeploy.scheduler.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.time.Instant;

/** The uptime oracle's clock: epochs of a fixed length from a genesis instant, and the heartbeat rate it expects. */
@ConfigMapping(prefix = "deeploy.oracle")
public interface OracleConfig {

    /**
     * escrow-svc, whose contract's genesis and epoch length the oracle then uses (read at start, retried until
     * answered), so that attested epochs are the chain's. Without it, {@code genesis} and {@code epoch-length} apply.
     */
    java.util.Optional<String> escrowUrl();

    /** Start of epoch 0 when no escrow-url is set; it must then be the escrow contract's genesis. */
    @WithDefault("2026-01-01T00:00:00Z")
    Instant genesis();

    @WithDefault("1h")
    Duration epochLength();

    /** The agents' heartbeat interval: an epoch expects epochLength / heartbeatInterval heartbeats from each node. */
    @WithDefault("5s")
    Duration heartbeatInterval();

    /** How long after its end an epoch is attested, so that heartbeats still in flight count. */
    @WithDefault("15s")
    Duration attestDelay();

    /**
     * Whether a node-epoch is paid only as far as the platform's own probes of the allocation passed too (the node's
     * heartbeats alone are the node's word). Off only where the platform cannot reach its nodes' apps.
     */
    @WithDefault("true")
    boolean probes();

    /** The mean time between two probes of one allocation; each wait is drawn between half and one and a half of it. */
    @WithDefault("30s")
    Duration probeInterval();

    /** A probe that has not passed within this fails. */
    @WithDefault("3s")
    Duration probeTimeout();

    /** How often the prober looks for allocations whose probe is due (read by its {@code @Scheduled} expression). */
    @WithDefault("2s")
    Duration probeTick();
}
