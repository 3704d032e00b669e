package io.deeploy.builder.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Where the node's tunnel engines are and how their processes are kept up (jobs whose tunnel is cloudflare or ngrok). */
@ConfigMapping(prefix = "deeploy.tunnel")
public interface TunnelConfig {

    /** The cloudflared binary: a path, or a name looked up on PATH. */
    @WithDefault("cloudflared")
    String cloudflaredPath();

    /** The ngrok (v3) binary: a path, or a name looked up on PATH. */
    @WithDefault("ngrok")
    String ngrokPath();

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
