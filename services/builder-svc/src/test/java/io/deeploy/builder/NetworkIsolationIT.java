package io.deeploy.builder;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Network;
import io.deeploy.builder.client.JobNetworks;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.Egress;
import io.deeploy.events.payload.HealthCheck;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.Resources;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A tenant's container probing its neighbours, against the real Docker engine and the node's real firewall: another
 * job's app (by its address on its own network) and a service of the node (listening on the address the node has on
 * the job's network) are out of reach, while the job's own app answers by the same kind of address. With all jobs on
 * the engine's shared bridge and no firewall, both probes connect.
 */
@QuarkusTest
class NetworkIsolationIT {

    @Inject
    DockerClient docker;

    @Inject
    JobNetworks networks;

    static JobSpec app(String alias, Egress egress) {
        return new JobSpec(JobKind.CAR, alias, "local/python:bookworm", null,
                List.of("mkdir -p /srv && echo " + alias + " > /srv/index.html && exec python3 -m http.server 8000 --directory /srv"),
                Map.of(), List.of(), 8000, new Resources(250, 128, 0), "always", new HealthCheck(HealthCheck.Mode.HTTP, "/", 0, 60, 5),
                List.of(), 1, List.of(), 30, null, null, null, null, egress);
    }

    @Test
    void aJobReachesNeitherAnotherJobNorTheNodeButItsOwnApp() throws Exception {
        String neighbour = "job-" + UUID.randomUUID();
        String prober = "job-" + UUID.randomUUID();
        AppStarted neighbours = Jobs.deployAndAwaitStart(neighbour, app("neighbour", Egress.INTERNET));
        AppStarted probers = Jobs.deployAndAwaitStart(prober, app("prober", Egress.INTERNET));
        String neighbourAddress = addressOn(neighbours.containerId(), neighbour);
        String ownAddress = addressOn(probers.containerId(), prober);

        // The probe works: the prober reaches its own app by its address on its network...
        assertThat(connects(probers.containerId(), ownAddress, 8000)).isEqualTo("connected");
        // ...but not the neighbour's app, on the neighbour's network.
        assertThat(connects(probers.containerId(), neighbourAddress, 8000)).isNotEqualTo("connected");

        // A service of the node, on the node's own address on the prober's network: out of reach too.
        String nodeAddress = gatewayOf(prober);
        try (ServerSocket nodeService = new ServerSocket(0, 50, InetAddress.getByName(nodeAddress))) {
            assertThat(connects(probers.containerId(), nodeAddress, nodeService.getLocalPort())).isNotEqualTo("connected");
        }
        Jobs.stopAndCheckClean(docker, neighbour);
        Jobs.stopAndCheckClean(docker, prober);
        assertThat(docker.listNetworksCmd().withNameFilter(networks.nameOf(prober)).exec()).isEmpty();
    }

    @Test
    void aJobWithoutEgressIsOnABridgeWhoseEveryForwardedPacketTheNodeDrops() throws Exception {
        String jobId = "job-" + UUID.randomUUID();
        AppStarted started = Jobs.deployAndAwaitStart(jobId, app("sealed", Egress.NONE));
        Network network = docker.inspectNetworkCmd().withNetworkId(networks.nameOf(jobId)).exec();
        assertThat(network.getOptions()).containsEntry("com.docker.network.bridge.name", networks.bridgeOf(jobId, Egress.NONE));
        // The node's firewall as the kernel has it: what comes from a "none" bridge is dropped, whatever its destination.
        Process rules = new ProcessBuilder("iptables", "-w", "-S", "DEEPLOY-JOBS-OUT").redirectErrorStream(true).start();
        String installed = new String(rules.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(rules.waitFor()).isZero();
        assertThat(installed).contains("-A DEEPLOY-JOBS-OUT -i djn+ -j DROP");
        // Served all the same: the ingress's way in is the published port, which the node itself connects to.
        assertThat(Jobs.get(started.port())).isEqualTo("sealed\n");
        Jobs.stopAndCheckClean(docker, jobId);
    }

    /** The container's address on the job's network. */
    String addressOn(String containerId, String jobId) {
        return docker.inspectContainerCmd(containerId).exec().getNetworkSettings().getNetworks().get(networks.nameOf(jobId))
                .getIpAddress();
    }

    /** The node's address on the job's network (its bridge's). */
    String gatewayOf(String jobId) {
        return docker.inspectNetworkCmd().withNetworkId(networks.nameOf(jobId)).exec().getIpam().getConfig().get(0).getGateway();
    }

    /** What a TCP connect from inside the container says: "connected", or the error it met within 3 s. */
    String connects(String containerId, String host, int port) throws Exception {
        String probe = "import socket,sys\ntry:\n socket.create_connection((sys.argv[1], int(sys.argv[2])), 3); print('connected')\n"
                + "except Exception as e:\n print(type(e).__name__)";
        String exec = docker.execCreateCmd(containerId).withCmd("python3", "-c", probe, host, String.valueOf(port))
                .withAttachStdout(true).withAttachStderr(true).exec().getId();
        StringBuilder output = new StringBuilder();
        docker.execStartCmd(exec).exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
                output.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            }
        }).awaitCompletion(20, TimeUnit.SECONDS);
        return output.toString().strip();
    }
}
