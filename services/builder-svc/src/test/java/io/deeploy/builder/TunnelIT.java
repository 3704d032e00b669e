package io.deeploy.builder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Ports;
import com.sun.net.httpserver.HttpServer;
import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.builder.client.TunnelContainers;
import io.deeploy.builder.config.TunnelConfig;
import io.deeploy.events.payload.AppFailed;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.HealthCheck;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.Resources;
import io.deeploy.events.payload.TunnelFailed;
import io.deeploy.events.payload.TunnelReady;
import io.deeploy.events.payload.TunnelSettings;
import io.quarkus.arc.Arc;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tunnel engines in their sidecars, against the real Docker engine and the node's real firewall. No real engine image
 * can be pulled where these tests run: the test profile's cloudflared is a stand-in image built here
 * ({@code src/test/resources/tunnel-standin}) that announces a quick tunnel as cloudflared does and then probes, as an
 * owner who reconfigured the tunnel remotely would, its app and a service on the node's loopback; its ngrok is an image
 * this node does not have.
 */
@QuarkusTest
class TunnelIT {

    static final String STANDIN_IMAGE = "local/deeploy-tunnel-standin:test";
    /** The port the stand-in probes on the node's loopback ({@code NODE_PORT} in standin.sh). */
    static final int NODE_SERVICE_PORT = 18471;

    @Inject
    TunnelConfig tunnels;

    @Inject
    DockerClient docker;

    @BeforeAll
    static void buildStandIn() {
        DockerClient docker = Arc.container().instance(DockerClient.class).get();
        // COPY steps only: the engine reaches no network during builds.
        docker.buildImageCmd(Path.of("src", "test", "resources", "tunnel-standin").toFile()).withTags(Set.of(STANDIN_IMAGE))
                .withPull(false).exec(new BuildImageResultCallback()).awaitImageId(5, TimeUnit.MINUTES);
    }

    static JobSpec app(String alias, TunnelSettings tunnel) {
        return new JobSpec(JobKind.CAR, alias, "local/python:bookworm", null,
                List.of("mkdir -p /srv && echo " + alias + " > /srv/index.html && exec python3 -m http.server 8000 --directory /srv"),
                Map.of(), List.of(), 8000, new Resources(250, 128, 0), "always", new HealthCheck(HealthCheck.Mode.HTTP, "/", 0, 60, 5),
                List.of(), 1, List.of(), 30, null, null, tunnel, null);
    }

    @Test
    void withoutTheEngineImageTheAppServesThroughTheIngressAndTheJobSaysWhy() throws Exception {
        assertThat(tunnels.ngrokImage()).startsWith("local/");
        assertThat(docker.listImagesCmd().withReferenceFilter(tunnels.ngrokImage()).exec()).isEmpty();
        String jobId = "job-" + UUID.randomUUID();
        String token = "it-ngrok-authtoken-" + UUID.randomUUID();
        Jobs.secrets(jobId, Map.of(TunnelSettings.TOKEN_SECRET, token));
        AppStarted started = Jobs.deployAndAwaitStart(jobId, app("tunnelled",
                new TunnelSettings(TunnelSettings.NGROK, null, TunnelSettings.TOKEN_SECRET)));
        assertThat(started.host()).isEqualTo("127.0.0.1");
        assertThat(Jobs.get(started.port())).isEqualTo("tunnelled\n");

        TunnelFailed failed = await().atMost(Duration.ofSeconds(30)).until(() -> Jobs.all(jobId, TunnelFailed.class), l -> !l.isEmpty())
                .get(0);
        assertThat(failed.nodeId()).isEqualTo(TestPlatform.NODE);
        assertThat(failed.engine()).isEqualTo("ngrok");
        assertThat(failed.reason()).contains(tunnels.ngrokImage(), "deeploy.tunnel.ngrok-image").doesNotContain(token);

        // The agent keeps trying (every 300 ms, doubling, in the test profile) but tells the job once, not at every try.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).until(() -> Jobs.all(jobId, TunnelFailed.class).size() == 1);
        assertThat(Jobs.all(jobId, TunnelReady.class)).isEmpty();
        assertThat(Jobs.all(jobId, AppFailed.class)).isEmpty();
        assertThat(Jobs.all(jobId, AppStarted.class)).hasSize(1);
        assertThat(Jobs.get(started.port())).isEqualTo("tunnelled\n");
        assertThat(sidecarsOf(jobId)).isEmpty();

        Jobs.stopAndCheckClean(docker, jobId);
    }

    @Test
    void aTunnelPointedAtTheNodesLoopbackReachesOnlyItsApp() throws Exception {
        assertThat(tunnels.cloudflaredImage()).isEqualTo(STANDIN_IMAGE);
        AtomicInteger nodeRequests = new AtomicInteger();
        HttpServer nodeService = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), NODE_SERVICE_PORT), 0);
        nodeService.createContext("/", exchange -> {
            nodeRequests.incrementAndGet();
            byte[] body = "the node's own\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        nodeService.start();
        try {
            // The node's service answers on the node: a probe that does not reach it is kept out, not pointed wrong.
            assertThat(Jobs.get(NODE_SERVICE_PORT)).isEqualTo("the node's own\n");
            nodeRequests.set(0);

            String jobId = "job-" + UUID.randomUUID();
            AppStarted started = Jobs.deployAndAwaitStart(jobId, app("burrow",
                    new TunnelSettings(TunnelSettings.CLOUDFLARE, null, null)));
            TunnelReady ready = await().atMost(Duration.ofSeconds(60)).until(() -> Jobs.all(jobId, TunnelReady.class), l -> !l.isEmpty())
                    .get(0);
            assertThat(ready.url()).matches("https://standin-[0-9]+\\.trycloudflare\\.com");
            assertThat(ready.nodeId()).isEqualTo(TestPlatform.NODE);
            assertThat(ready.alias()).isEqualTo("burrow");
            assertThat(ready.engine()).isEqualTo("cloudflare");

            List<Container> sidecars = sidecarsOf(jobId);
            assertThat(sidecars).hasSize(1);
            String sidecar = sidecars.get(0).getId();
            String log = await().atMost(Duration.ofSeconds(30)).until(() -> logOf(sidecar), l -> l.contains("probe socket"));
            assertThat(log).contains("probe origin ok", "probe node fail", "probe socket absent").doesNotContain("probe node ok");
            assertThat(nodeRequests).hasValue(0);

            InspectContainerResponse inspect = docker.inspectContainerCmd(sidecar).exec();
            var host = inspect.getHostConfig();
            assertThat(host.getNetworkMode()).isEqualTo("container:" + started.containerId());
            assertThat(host.getCapDrop()).containsExactly(Capability.ALL);
            assertThat(host.getCapAdd() == null ? List.of() : Arrays.asList(host.getCapAdd())).isEmpty();
            assertThat(host.getSecurityOpts()).contains("no-new-privileges");
            assertThat(host.getPrivileged()).isFalse();
            assertThat(host.getReadonlyRootfs()).isTrue();
            assertThat(host.getPidsLimit()).isEqualTo(TunnelContainers.PIDS_LIMIT);
            assertThat(host.getMemory()).isEqualTo(TunnelContainers.MEMORY_BYTES);
            assertThat(host.getBinds() == null ? List.of() : Arrays.asList(host.getBinds())).isEmpty();
            assertThat(inspect.getMounts()).isNullOrEmpty();
            Ports published = host.getPortBindings();
            assertThat(published == null || published.getBindings().isEmpty()).as("published ports").isTrue();
            assertThat(inspect.getConfig().getEnv()).noneMatch(variable -> variable.startsWith("DEEPLOY"));
            assertThat(inspect.getConfig().getLabels()).containsEntry(ContainerRuntime.NODE_LABEL, TestPlatform.NODE)
                    .containsEntry(ContainerRuntime.ROLE_LABEL, TunnelContainers.ROLE)
                    .hasEntrySatisfying(TunnelContainers.DIGEST_LABEL, digest -> assertThat(digest).matches("[0-9a-f]{64}"));

            // The app still serves through the ingress, and the tunnel was announced once.
            assertThat(Jobs.get(started.port())).isEqualTo("burrow\n");
            assertThat(Jobs.all(jobId, TunnelFailed.class)).isEmpty();

            Jobs.stop(jobId);
            await().atMost(Duration.ofSeconds(60)).until(() -> !Jobs.all(jobId, JobStopped.class).isEmpty());
            assertThat(sidecarsOf(jobId)).isEmpty();
            assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerRuntime.JOB_LABEL, jobId)).exec())
                    .isEmpty();
        } finally {
            nodeService.stop(0);
        }
    }

    List<Container> sidecarsOf(String jobId) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerRuntime.JOB_LABEL, jobId,
                ContainerRuntime.ROLE_LABEL, TunnelContainers.ROLE)).exec();
    }

    String logOf(String containerId) throws InterruptedException {
        StringBuilder log = new StringBuilder();
        docker.logContainerCmd(containerId).withStdOut(true).withStdErr(true).withTailAll()
                .exec(new ResultCallback.Adapter<Frame>() {
                    @Override
                    public void onNext(Frame frame) {
                        synchronized (log) {
                            log.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                        }
                    }
                }).awaitCompletion(10, TimeUnit.SECONDS);
        synchronized (log) {
            return log.toString();
        }
    }
}
