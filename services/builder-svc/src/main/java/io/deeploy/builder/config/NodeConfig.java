package io.deeploy.builder.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Who this agent is, where its platform's gateway is, and what it offers. Capacity defaults to what the machine has. */
@ConfigMapping(prefix = "deeploy.node")
public interface NodeConfig {

    /** The node's id, as its operator registered it (a DNS label). */
    String id();

    /** The platform's node gateway: the agent's one way to the platform. */
    @WithDefault("http://127.0.0.1:8086")
    String gatewayUrl();

    /**
     * The node's Ed25519 key pair, made on first start, owner-only; its public half is written beside it ({@code .pub})
     * for the operator to register. Default: {@code node.key} in the work directory.
     */
    Optional<String> keyFile();

    /**
     * The address the apps' ports are published on: one the platform's ingress reaches (loopback when the ingress runs on
     * this machine). It must be the address the node was registered with.
     */
    @WithDefault("127.0.0.1")
    String publishAddress();

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

    /** Longest the agent waits on one long poll for its allocations. */
    @WithDefault("30s")
    Duration pollWait();

    /** How often the agent compares what runs with what is desired even when nothing was announced. */
    @WithDefault("10s")
    Duration reconcileInterval();

    /** Where the agent keeps its state, key and job workspaces; a job's workspace is removed when it stops. */
    @WithDefault("${java.io.tmpdir}/deeploy-node")
    String workDir();

    /** How long an old version keeps running after traffic switched to the new one, for requests in flight. */
    @WithDefault("3s")
    Duration drainDelay();

    /** Secret that signs webhook deliveries (GitHub style, X-Hub-Signature-256); webhooks are refused without it. */
    Optional<String> webhookSecret();

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

    /** How often the output of the builds and apps here is read and sent to the platform (their logs in its API). */
    @WithDefault("1s")
    Duration logShipInterval();

    /** Longest a build phase may run before it counts as failed. */
    @WithDefault("15m")
    Duration buildTimeout();

    /** Longest a pull of a job's image may take before the deployment counts as failed. */
    @WithDefault("15m")
    Duration pullTimeout();

    /** Most builds and image pulls at once; further deployments wait their turn (each job keeps its own order). */
    @WithDefault("2")
    int maxConcurrentBuilds();

    /**
     * Address ranges (CIDR, e.g. 127.0.0.0/8) that jobs may reach for their repositories although they are loopback,
     * private, link-local or this node's own. None by default, so a tenant cannot make the node fetch from its own
     * services or its operator's network; single-machine installs and tests that serve repositories on loopback list them.
     */
    Optional<List<String>> allowedTargetRanges();

    /**
     * Prefixes of the node's own images, which its operator built or loaded into the engine (the base images of WAR
     * jobs among them): they run as the engine has them. Every other image is pulled at each deployment, so that a
     * registry checks the job's own credentials (or lets it in anonymously) whatever the engine already holds.
     */
    @WithDefault("local/")
    List<String> localImagePrefixes();

    /** How the node fences its jobs' networks in ({@link io.deeploy.builder.client.NodeFirewall}). */
    enum Firewall {
        /** iptables rules (the agent runs as root): the default. */
        IPTABLES,
        /** None: jobs reach this node's services and private networks. Only for a node that runs trusted jobs. */
        OFF
    }

    @WithDefault("iptables")
    Firewall firewall();

    /**
     * The IPv4 range the jobs' networks take their /28 subnets from; it must not be in use on the node's network
     * (the default gives 4,096 job networks).
     */
    @WithDefault("10.250.0.0/16")
    String jobSubnets();

    /** Whether jobs with egress {@code all} (private ranges too) may run here; off: they fail with a clear reason. */
    @WithDefault("false")
    boolean allowUnrestrictedEgress();

    /**
     * Whether containers start only on an engine that remaps user namespaces (dockerd {@code --userns-remap}), so that
     * root in a build or an app is an unprivileged uid of the node. Off only for a node that runs trusted jobs.
     */
    @WithDefault("true")
    boolean requireUserNamespaces();

    /**
     * Whether the agent starts only once the jobs' workspaces ({@code <work-dir>/jobs}) are on a mount without set-uid
     * and device files, so that nothing a job writes there can raise a user of the node. Off only for a node that runs
     * trusted jobs (or where the agent cannot mount).
     */
    @WithDefault("true")
    boolean nosuidWorkspaces();

    /**
     * How many health checks in a row a running app may fail (one per its check's interval) before it counts as failed:
     * its container is replaced under the job's restart policy.
     */
    @WithDefault("3")
    int livenessFailures();
}
