package io.deeploy.builder.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Who this agent is and what it offers. Capacity defaults to what the machine has. */
@ConfigMapping(prefix = "deeploy.node")
public interface NodeConfig {

    String id();

    /** Address at which apps on this node are reachable by the ingress. */
    @WithDefault("127.0.0.1")
    String address();

    /** CPU offered to jobs, in thousandths of a core; default: every core of the machine. */
    Optional<Long> cpuMillis();

    /** Memory offered to jobs in MiB; default: three quarters of the machine's memory. */
    Optional<Long> memoryMb();

    @WithDefault("0")
    int gpus();

    /** Tags the scheduler filters on, e.g. CT=FR, DC=home, IS_KYB=true. */
    Map<String, String> tags();

    @WithDefault("5s")
    Duration heartbeatInterval();

    /** Where job workspaces (cloned repositories) live; a job's is removed when it stops. */
    @WithDefault("${java.io.tmpdir}/deeploy-node")
    String workDir();

    /** How long an old version keeps running after traffic switched to the new one, for requests in flight. */
    @WithDefault("3s")
    Duration drainDelay();

    /** Secret that signs webhook deliveries (GitHub style, X-Hub-Signature-256); webhooks are refused without it. */
    Optional<String> webhookSecret();

    /** project-svc, from which the agent reads the secrets (git token, secret env) of the jobs placed on it. */
    @WithDefault("http://127.0.0.1:8081")
    String projectUrl();

    /** The deployment's node token, presented to project-svc when reading job secrets (env DEEPLOY_NODE_TOKEN). */
    Optional<String> token();

    /** First wait before restarting a crashed app; doubled after every further crash. */
    @WithDefault("2s")
    Duration restartBackoffInitial();

    /** Longest wait between restarts. */
    @WithDefault("5m")
    Duration restartBackoffMax();

    /** An app that has run this long since its last restart starts its backoff afresh. */
    @WithDefault("5m")
    Duration restartBackoffReset();

    /** How often the agent checks that the apps it serves still run. */
    @WithDefault("2s")
    Duration superviseInterval();

    /** Longest a build phase may run before it counts as failed. */
    @WithDefault("15m")
    Duration buildTimeout();

    /** Longest a pull of a job's image may take before the deployment counts as failed. */
    @WithDefault("15m")
    Duration pullTimeout();
}
