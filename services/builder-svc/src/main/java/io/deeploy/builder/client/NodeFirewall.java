package io.deeploy.builder.client;

import io.deeploy.builder.config.NodeConfig;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * What the node lets its jobs' networks send ({@link JobNetworks} names their bridges {@code dj…}): nothing to the node
 * itself but answers to what it asked (the ingress's connections through the published ports, health probes), nothing
 * to another job's network, from a job with egress {@code none} nothing at all, and from a job with egress
 * {@code internet} nothing to loopback, private, link-local, shared or reserved ranges, which are the operator's network
 * and the cloud's metadata service. Two chains of rules
 * that match the bridges by name, installed once at start (atomically, so agents that start together do not race), and
 * left in place when the agent stops: the apps it leaves running stay fenced.
 */
@Startup
@ApplicationScoped
public class NodeFirewall {

    private static final Logger LOG = Logger.getLogger(NodeFirewall.class);
    static final String INBOUND = "DEEPLOY-JOBS-IN";
    static final String FORWARDED = "DEEPLOY-JOBS-OUT";
    /** IPv4 ranges a job with egress internet may not reach (besides the node and other jobs). */
    static final List<String> NON_PUBLIC = List.of("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
            "172.16.0.0/12", "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4");

    private final NodeConfig.Firewall mode;

    /** Whether the rules are in place: without them, egress none cannot be kept. */
    public boolean enforcing() {
        return mode != NodeConfig.Firewall.OFF;
    }

    public NodeFirewall(NodeConfig node) {
        this.mode = node.firewall();
    }

    @PostConstruct
    void install() {
        if (mode == NodeConfig.Firewall.OFF) {
            LOG.warn("node firewall off (deeploy.node.firewall=off): jobs can reach this node's services and private networks");
            return;
        }
        try {
            run(List.of("iptables-restore", "-w", "--noflush"), rules());
            jump("INPUT", INBOUND);
            jump("FORWARD", FORWARDED);
            LOG.infof("node firewall: job networks (%s*) fenced off from this node, from each other and, for egress "
                    + "internet, from private ranges", JobNetworks.BRIDGE_PREFIX);
        } catch (IOException e) {
            throw new IllegalStateException("cannot install the node firewall with iptables (" + e.getMessage() + "): run the "
                    + "agent as root with iptables installed, or set deeploy.node.firewall=off to run jobs unfenced", e);
        }
    }

    /** The two chains, for iptables-restore: declaring them in the input flushes and refills them in one commit. */
    static String rules() {
        String jobs = JobNetworks.BRIDGE_PREFIX + "+";
        String internet = JobNetworks.BRIDGE_PREFIX + "i+";
        String sealed = JobNetworks.BRIDGE_PREFIX + "n+";
        StringBuilder text = new StringBuilder("*filter\n")
                .append(':').append(INBOUND).append(" - [0:0]\n")
                .append(':').append(FORWARDED).append(" - [0:0]\n")
                .append("-A ").append(INBOUND).append(" -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n")
                .append("-A ").append(INBOUND).append(" -j DROP\n")
                .append("-A ").append(FORWARDED).append(" -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN\n")
                .append("-A ").append(FORWARDED).append(" -o ").append(jobs).append(" -j DROP\n")
                .append("-A ").append(FORWARDED).append(" -i ").append(sealed).append(" -j DROP\n");
        for (String range : NON_PUBLIC) {
            text.append("-A ").append(FORWARDED).append(" -i ").append(internet).append(" -d ").append(range).append(" -j DROP\n");
        }
        return text.append("COMMIT\n").toString();
    }

    /** Sends what job bridges carry in {@code builtIn} through {@code chain}, first, unless it already does. */
    private static void jump(String builtIn, String chain) throws IOException {
        List<String> rule = List.of("-i", JobNetworks.BRIDGE_PREFIX + "+", "-j", chain);
        List<String> check = new java.util.ArrayList<>(List.of("iptables", "-w", "-C", builtIn));
        check.addAll(rule);
        if (exitCode(check, null) != 0) {
            List<String> insert = new java.util.ArrayList<>(List.of("iptables", "-w", "-I", builtIn, "1"));
            insert.addAll(rule);
            run(insert, null);
        }
    }

    private static void run(List<String> command, String input) throws IOException {
        int exit = exitCode(command, input);
        if (exit != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + exit);
        }
    }

    private static int exitCode(List<String> command, String input) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (input != null) {
                process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
            }
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(command.get(0) + " did not finish");
            }
            if (process.exitValue() != 0 && !output.isEmpty() && !command.contains("-C")) {
                LOG.warnf("%s: %s", String.join(" ", command), output);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
