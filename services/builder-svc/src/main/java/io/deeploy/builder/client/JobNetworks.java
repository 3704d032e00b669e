package io.deeploy.builder.client;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Network;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.JobIds;
import io.deeploy.events.payload.Egress;
import io.deeploy.node.TargetAddresses;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jboss.logging.Logger;

/**
 * One network per job: a bridge of its own, so a job's containers (its builds, its app, its versions during a switch)
 * reach each other and nothing of another job, which sits on another bridge. The bridge's interface is named after
 * the job's egress ({@link #bridgeOf}), so the node's firewall ({@link NodeFirewall}) tells the policies apart by name
 * alone (an engine's "internal" network would do for egress {@code none}, but it publishes no ports, and the ingress
 * reaches apps through those). Subnets are small (/28)
 * and come from the node's pool, so a node runs thousands of jobs without exhausting the engine's default pools.
 */
@ApplicationScoped
public class JobNetworks {

    private static final Logger LOG = Logger.getLogger(JobNetworks.class);
    static final String PREFIX = "deeploy-net-";
    /** Interface names: "dj", the egress's letter, 12 hex digits of the job id's hash: 15 characters, the kernel's limit. */
    public static final String BRIDGE_PREFIX = "dj";
    static final int SUBNET_BITS = 28;

    private final DockerClient docker;
    private final String nodeId;
    private final String pool;
    private final boolean allowUnrestrictedEgress;

    private final NodeFirewall firewall;

    public JobNetworks(DockerClient docker, NodeConfig node, NodeFirewall firewall) {
        this.docker = docker;
        this.firewall = firewall;
        this.nodeId = node.id();
        this.pool = node.jobSubnets();
        this.allowUnrestrictedEgress = node.allowUnrestrictedEgress();
    }

    /** The job's network on this node (agents of several nodes may share one engine, as in tests). */
    public String nameOf(String jobId) {
        return PREFIX + nodeId + "-" + JobIds.checked(jobId);
    }

    /** The bridge interface of the job's network: {@code dji…} (internet), {@code djn…} (none), {@code dja…} (all). */
    public String bridgeOf(String jobId, Egress egress) {
        return bridgeName(nodeId, jobId, egress);
    }

    static String bridgeName(String nodeId, String jobId, Egress egress) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest((nodeId + "/" + jobId).getBytes(StandardCharsets.UTF_8));
            return BRIDGE_PREFIX + egress.name().substring(0, 1).toLowerCase(Locale.ROOT) + HexFormat.of().formatHex(hash, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The job's network, made if it is not there yet; returns its name. Serialised: two jobs never take one subnet. */
    public synchronized String ensure(String jobId, Egress egress) {
        if (egress == Egress.ALL && !allowUnrestrictedEgress) {
            throw new IllegalStateException("egress all (private networks too) is not allowed on node " + nodeId);
        }
        if (egress == Egress.NONE && !firewall.enforcing()) {
            throw new IllegalStateException("egress none cannot be kept on node " + nodeId + ": its firewall is off");
        }
        String name = nameOf(jobId);
        try {
            Network existing = docker.inspectNetworkCmd().withNetworkId(name).exec();
            if (Objects.equals(existing.getOptions().get("com.docker.network.bridge.name"), bridgeOf(jobId, egress))) {
                return name;
            }
            // Made for another egress (a spec cannot change, so by hand): it cannot stay.
            remove(jobId);
        } catch (NotFoundException absent) {
            // made below
        }
        // Another agent of this engine may take the same free subnet at the same moment: the engine refuses the second.
        for (int attempt = 1; ; attempt++) {
            String subnet = freeSubnet(docker.listNetworksCmd().exec());
            try {
                docker.createNetworkCmd().withName(name).withDriver("bridge").withCheckDuplicate(true)
                        .withLabels(Map.of(ContainerRuntime.JOB_LABEL, jobId, ContainerRuntime.NODE_LABEL, nodeId))
                        .withOptions(Map.of("com.docker.network.bridge.name", bridgeOf(jobId, egress)))
                        .withIpam(new Network.Ipam().withConfig(new Network.Ipam.Config().withSubnet(subnet)))
                        .exec();
                LOG.debugf("job %s: network %s (%s, egress %s)", jobId, name, subnet, egress);
                return name;
            } catch (DockerException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /** Removes the job's network; its containers must be gone first. */
    public void remove(String jobId) {
        try {
            docker.removeNetworkCmd(nameOf(jobId)).exec();
        } catch (NotFoundException gone) {
            // nothing to remove
        } catch (DockerException stillUsed) {
            LOG.warnf("job %s: network not removed yet: %s", jobId, stillUsed.getMessage());
        }
    }

    /** Jobs that have a network of this node's. */
    public List<String> jobsWithNetwork() {
        return docker.listNetworksCmd().withFilter("label", List.of(ContainerRuntime.NODE_LABEL + "=" + nodeId)).exec().stream()
                .map(network -> network.getLabels().get(ContainerRuntime.JOB_LABEL)).filter(Objects::nonNull).toList();
    }

    /**
     * The first /28 of the pool that no network of the engine overlaps, nor any address of the node's own interfaces: a
     * bridge left by an engine whose state was reset, or the node's LAN, would otherwise take the subnet's route.
     */
    String freeSubnet(List<Network> networks) {
        int slash = pool.indexOf('/');
        int poolBits = Integer.parseInt(pool.substring(slash + 1));
        long base = toLong(pool.substring(0, slash)) & mask(poolBits);
        long count = 1L << (SUBNET_BITS - poolBits);
        List<String> used = new ArrayList<>(hostSubnets());
        networks.stream().filter(n -> n.getIpam() != null && n.getIpam().getConfig() != null)
                .flatMap(n -> n.getIpam().getConfig().stream()).map(Network.Ipam.Config::getSubnet).filter(Objects::nonNull)
                .forEach(used::add);
        for (long i = 0; i < count; i++) {
            long candidate = base + (i << (32 - SUBNET_BITS));
            if (used.stream().noneMatch(subnet -> overlaps(subnet, candidate))) {
                return toText(candidate) + "/" + SUBNET_BITS;
            }
        }
        throw new IllegalStateException("no free /" + SUBNET_BITS + " left in the job network pool " + pool);
    }

    /** The IPv4 subnets on the node's own interfaces, as CIDRs. */
    static List<String> hostSubnets() {
        List<String> subnets = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InterfaceAddress address : nic.getInterfaceAddresses()) {
                    if (address.getAddress() instanceof Inet4Address) {
                        subnets.add(address.getAddress().getHostAddress() + "/" + address.getNetworkPrefixLength());
                    }
                }
            }
        } catch (SocketException e) {
            LOG.warnf("the node's interfaces cannot be listed: %s", e.getMessage());
        }
        return subnets;
    }

    private static boolean overlaps(String cidr, long candidate) {
        int slash = cidr.indexOf('/');
        if (slash < 0 || cidr.contains(":")) {
            return false;
        }
        int bits = Integer.parseInt(cidr.substring(slash + 1));
        long network = toLong(cidr.substring(0, slash));
        int shorter = Math.min(bits, SUBNET_BITS);
        return (network & mask(shorter)) == (candidate & mask(shorter));
    }

    private static long mask(int bits) {
        return bits == 0 ? 0 : (0xffffffffL << (32 - bits)) & 0xffffffffL;
    }

    private static long toLong(String dotted) {
        if (!TargetAddresses.isLiteral(dotted)) {
            throw new IllegalArgumentException("not an IPv4 address: " + dotted);
        }
        try {
            byte[] bytes = InetAddress.getByName(dotted).getAddress();
            return ((bytes[0] & 0xffL) << 24) | ((bytes[1] & 0xffL) << 16) | ((bytes[2] & 0xffL) << 8) | (bytes[3] & 0xffL);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv4 address: " + dotted, e);
        }
    }

    private static String toText(long address) {
        return ((address >> 24) & 0xff) + "." + ((address >> 16) & 0xff) + "." + ((address >> 8) & 0xff) + "." + (address & 0xff);
    }
}
