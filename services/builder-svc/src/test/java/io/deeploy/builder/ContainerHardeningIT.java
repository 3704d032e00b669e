package io.deeploy.builder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import io.deeploy.builder.client.ContainerRoot;
import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.builder.client.JobNetworks;
import io.deeploy.builder.client.WorkspaceMount;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.Event;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.FileVolume;
import io.deeploy.events.payload.HealthCheck;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.Resources;
import io.deeploy.events.payload.VcsSource;
import io.deeploy.events.payload.Volume;
import io.deeploy.outbox.testing.GitDaemon;
import io.deeploy.outbox.testing.KafkaEvents;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a job's containers may do to the node, read back from the real Docker engine and from inside the containers:
 * every capability dropped but a small set, no new privileges, not privileged, the bridge network, the job's limits,
 * no mount but the job's own workspace and volumes, root of the container an unprivileged uid of the node, and workspaces
 * on which set-uid files are inert.
 */
@QuarkusTest
class ContainerHardeningIT {

    /**
     * CHOWN(0) DAC_OVERRIDE(1) FOWNER(3) FSETID(4) KILL(5) SETGID(6) SETUID(7) NET_BIND_SERVICE(10), as the kernel
     * shows a process's effective set in /proc/PID/status.
     */
    static final String EXPECTED_CAPS = "00000000000004fb";

    static KafkaEvents kafka;
    static GitDaemon git;

    @Inject
    DockerClient docker;

    @Inject
    JobNetworks networks;

    @Inject
    NodeConfig node;

    @Inject
    ContainerRoot containerRoot;

    @Inject
    WorkspaceMount workspaceMount;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaEvents.fromEnvironment();
        git = GitDaemon.start();
    }

    @AfterAll
    static void close() {
        kafka.close();
        git.close();
    }

    @Test
    void aJobsContainersKeepOnlyTheCapabilitiesABuildNeedsAndTheJobsLimits() throws Exception {
        String repo = "hard" + UUID.randomUUID().toString().substring(0, 8);
        String url = git.createRepository(repo, Map.of("index.html", "hardened"));
        String jobId = "job-" + UUID.randomUUID();
        String status = "grep -E '^(CapEff|CapBnd|NoNewPrivs):' /proc/self/status";
        // The build changes owners on the bind-mounted workspace (as package managers do), so it needs CHOWN and FOWNER.
        JobSpec spec = new JobSpec(JobKind.WAR, "hardened", "local/python:bookworm", new VcsSource(url, "main", null, null, 3600),
                List.of("chown -R 65534:65534 . && chmod -R g+w . && chown -R 0:0 . && " + status + " > build.txt",
                        status + " > app.txt; exec python3 -m http.server 8000"),
                Map.of(), List.of(), 8000, new Resources(750, 192, 0), "always", new HealthCheck(HealthCheck.Mode.HTTP, "/", 0, 60, 5),
                List.of(), 1, List.of(), 30, List.of(new Volume("data", "/data")),
                List.of(new FileVolume("conf", "/config/app.ini", "a=1")), null, null);
        Jobs.request(jobId, spec);
        AppStarted started = await().atMost(Duration.ofSeconds(120)).until(() -> kafka.eventsWithKey(Topics.JOB_EVENTS, jobId).stream()
                .map(Event::payload).filter(AppStarted.class::isInstance).map(AppStarted.class::cast).findFirst(),
                java.util.Optional::isPresent).orElseThrow();

        var inspect = docker.inspectContainerCmd(started.containerId()).exec();
        var host = inspect.getHostConfig();
        assertThat(host.getCapDrop()).containsExactly(Capability.ALL);
        assertThat(host.getCapAdd()).containsExactlyInAnyOrder(Capability.CHOWN, Capability.DAC_OVERRIDE, Capability.FOWNER,
                Capability.FSETID, Capability.SETGID, Capability.SETUID, Capability.KILL, Capability.NET_BIND_SERVICE);
        assertThat(host.getSecurityOpts()).contains("no-new-privileges");
        assertThat(host.getPrivileged()).isFalse();
        assertThat(host.getNetworkMode()).isEqualTo(networks.nameOf(jobId));
        assertThat(host.getPidsLimit()).isEqualTo(ContainerRuntime.PIDS_LIMIT);
        assertThat(host.getMemory()).isEqualTo(192L * 1024 * 1024);
        assertThat(host.getMemorySwap()).isEqualTo(192L * 1024 * 1024);
        assertThat(host.getNanoCPUs()).isEqualTo(750_000_000L);
        assertThat(host.getBinds() == null ? List.of() : Arrays.asList(host.getBinds())).isEmpty();

        // Every mount is the job's: its build directory, its file volume, its named volume. Nothing of the engine's.
        Path jobRoot = Path.of(node.workDir(), "jobs", jobId).toRealPath();
        assertThat(inspect.getMounts()).hasSize(3).allSatisfy(mount -> {
            assertThat(mount.getSource()).doesNotContain("docker.sock");
            if (mount.getName() == null || mount.getName().isEmpty()) {
                assertThat(Path.of(mount.getSource())).startsWith(jobRoot);
            } else {
                assertThat(mount.getName()).isEqualTo("deeploy-" + TestPlatform.NODE + "-" + jobId + "-data");
            }
        });
        assertThat(inspect.getMounts()).extracting(m -> m.getDestination().getPath())
                .containsExactlyInAnyOrder("/app", "/config/app.ini", "/data");

        // What the build and the app actually had, from inside: only the kept capabilities, and no way to gain more.
        for (String file : List.of("build.txt", "app.txt")) {
            String seen = Jobs.get(started.port(), "/" + file);
            assertThat(seen).as(file).contains("CapEff:\t" + EXPECTED_CAPS, "CapBnd:\t" + EXPECTED_CAPS, "NoNewPrivs:\t1");
        }
        assertThat(Jobs.get(started.port(), "/")).isNotEmpty();

        Jobs.stop(jobId);
        await().atMost(Duration.ofSeconds(60)).until(() -> kafka.eventsWithKey(Topics.JOB_EVENTS, jobId).stream()
                .anyMatch(e -> e.payload() instanceof JobStopped));
    }

    /**
     * The attack: a build, root in its container, leaves a set-uid copy of a shell in its workspace, which the node would
     * run as its root if the file were the node root's and its mount honoured the bit. On this node the file belongs to
     * the engine's remapped root (an unprivileged uid) and lies on a nosuid,nodev mount, on the node and in the app.
     */
    @Test
    void aSetuidShellABuildLeavesIsNotTheNodesRoots() throws Exception {
        String repo = "suid" + UUID.randomUUID().toString().substring(0, 8);
        String url = git.createRepository(repo, Map.of("index.html", "suid"));
        String jobId = "job-" + UUID.randomUUID();
        JobSpec spec = new JobSpec(JobKind.WAR, "suid", "local/python:bookworm", new VcsSource(url, "main", null, null, 3600),
                List.of("cp /bin/sh rootshell && chown 0:0 rootshell && chmod 4755 rootshell",
                        "grep ' /app ' /proc/self/mountinfo > mounts.txt; exec python3 -m http.server 8000"),
                Map.of(), List.of(), 8000, new Resources(500, 128, 0), "always", new HealthCheck(HealthCheck.Mode.HTTP, "/", 0, 60, 5),
                List.of(), 1, List.of(), 30, List.of(), List.of(), null, null);
        Jobs.request(jobId, spec);
        AppStarted started = await().atMost(Duration.ofSeconds(120)).until(() -> kafka.eventsWithKey(Topics.JOB_EVENTS, jobId).stream()
                .map(Event::payload).filter(AppStarted.class::isInstance).map(AppStarted.class::cast).findFirst(),
                java.util.Optional::isPresent).orElseThrow();

        ContainerRoot.Remapped remapped = containerRoot.remapped();
        assertThat(remapped).as("the node's engine remaps user namespaces").isNotNull();
        assertThat(remapped.uid()).isPositive();
        Path shell;
        try (var files = Files.walk(Path.of(node.workDir(), "jobs", jobId))) {
            shell = files.filter(path -> path.getFileName().toString().equals("rootshell")).findFirst().orElseThrow();
        }
        // On an engine without remapping the file is root's with its set-uid bit: a root shell for whoever runs it. Here
        // it belongs to the remapped root (handing the build over to the app even cleared the bit), and lies on a nosuid
        // mount, where a set-uid bit does nothing.
        assertThat(Files.getPosixFilePermissions(shell, LinkOption.NOFOLLOW_LINKS)).contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat((int) Files.getAttribute(shell, "unix:uid", LinkOption.NOFOLLOW_LINKS)).as("owner of the shell on the node")
                .isEqualTo(remapped.uid()).isNotZero();
        assertThat(workspaceMount.fenced()).isTrue();
        assertThat(WorkspaceMount.options(Path.of("/proc/self/mountinfo"), Path.of(node.workDir(), "jobs").toRealPath()))
                .contains("nosuid", "nodev");
        assertThat(Jobs.get(started.port(), "/mounts.txt")).as("the app's /app mount").contains("nosuid").contains("nodev");

        Jobs.stop(jobId);
        await().atMost(Duration.ofSeconds(60)).until(() -> kafka.eventsWithKey(Topics.JOB_EVENTS, jobId).stream()
                .anyMatch(e -> e.payload() instanceof JobStopped));
    }
}
