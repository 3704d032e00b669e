package io.deeploy.scheduler.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The node gateway: the only door for edge nodes. It listens on an address of its own (the one nodes on other machines
 * are given), separate from the service's internal API, and serves only the gateway's paths there.
 */
@ConfigMapping(prefix = "deeploy.gateway")
public interface GatewayConfig {

    /**
     * The addresses the gateway listens on for nodes (comma-separated): loopback for this machine's node, and one that
     * nodes on other machines reach (behind TLS there).
     */
    @WithDefault("127.0.0.1")
    List<String> host();

    /** The port on each of those addresses; 0 picks a free one (tests, with a single address). */
    @WithDefault("8086")
    int port();

    /**
     * Names this installation in every node signature, so a request signed for one Deeploy is refused by every other
     * (env DEEPLOY_AUDIENCE, as the public API's). Unset: made at random on first start and kept in
     * {@link #audienceFile()} ({@link io.deeploy.signing.Audience}); nodes read it from the gateway.
     */
    @WithDefault("${deeploy.audience:}")
    Optional<String> audience();

    /** Where a made audience is kept (shared with project-svc on a single machine). */
    @WithDefault("${deeploy.audience-file:${user.home}/.deeploy/audience}")
    String audienceFile();

    /** How old a node's nonce may be. Agents sign each request as they send it, so this can be short. */
    @WithDefault("60s")
    Duration nonceMaxAge();

    /** How far ahead of the gateway's clock a node's nonce may be. */
    @WithDefault("30s")
    Duration maxClockSkew();

    /** Longest a long poll for allocations is held, whatever the agent asks. */
    @WithDefault("30s")
    Duration maxWait();

    /** How long a node's registered key and status are trusted from memory before they are read again. */
    @WithDefault("5s")
    Duration identityCacheTtl();

    /** project-svc, which keeps the jobs' secrets and the log-grant key. */
    @WithDefault("http://127.0.0.1:8081")
    String projectUrl();

    /** The platform services' internal token, presented to project-svc for a job's secrets (env DEEPLOY_INTERNAL_TOKEN). */
    Optional<String> internalToken();

    /** Largest body a node may send (a report with its log tail, a heartbeat with its allocations). */
    @WithDefault("262144")
    int maxBodyBytes();
}
