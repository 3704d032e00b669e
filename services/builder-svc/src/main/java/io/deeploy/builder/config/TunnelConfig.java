package io.deeploy.builder.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * The images of the node's tunnel engines and how their sidecar containers are kept up (jobs whose tunnel is cloudflare
 * or ngrok). An image's entrypoint must be the engine binary itself: the agent passes the engine's arguments only. An
 * image without one of the node's local prefixes ({@code local/}) is pulled when the engine does not have it.
 */
@ConfigMapping(prefix = "deeploy.tunnel")
public interface TunnelConfig {

    /** The cloudflared image; Cloudflare's own, whose entrypoint is {@code cloudflared --no-autoupdate}. */
    @WithDefault("cloudflare/cloudflared:2024.12.2")
    String cloudflaredImage();

    /** The ngrok (v3) image; ngrok's own, whose entrypoint runs {@code ngrok} with the arguments given. */
    @WithDefault("ngrok/ngrok:3")
    String ngrokImage();

    /** First wait before starting an engine again after it exited or could not start; doubled each further time. */
    @WithDefault("2s")
    Duration restartBackoffInitial();

    /** Longest wait between two starts of an engine. */
    @WithDefault("5m")
    Duration restartBackoffMax();

    /** How long a stopped engine may take to close its connections before it is killed. */
    @WithDefault("5s")
    Duration stopGrace();
}
