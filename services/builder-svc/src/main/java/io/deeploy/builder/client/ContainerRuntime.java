package io.deeploy.builder.client;

import com.github.dockerjava.api.DockerClient;
import io.deeploy.builder.config.NodeConfig;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import io.deeploy.events.payload.Resources;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The container operations the agent needs, on the node's Docker engine. Blocking: call from a worker thread.
 * Every container carries the label {@code deeploy.job}, so a job's containers are found (and removed) even after an
 * agent restart.
 */
@ApplicationScoped
public class ContainerRuntime {

    public static final String JOB_LABEL = "deeploy.job";
    /** Labels that let a restarted agent tell its own containers apart and know what each runs. */
    public static final String NODE_LABEL = "deeploy.node";
    public static final String ROLE_LABEL = "deeploy.role";
    public static final String VERSION_LABEL = "deeploy.version";
    public static final String WORKSPACE_LABEL = "deeploy.workspace";
    /** Capabilities an app never needs; dropping them narrows what a compromised app can do to the node. */
    static final Capability[] DROPPED = {Capability.NET_RAW, Capability.MKNOD, Capability.AUDIT_WRITE, Capability.SYS_CHROOT,
            Capability.SETFCAP};

    private final DockerClient docker;
    private final String nodeId;

    public ContainerRuntime(DockerClient docker, NodeConfig node) {
        this.docker = docker;
        this.nodeId = node.id();
    }

    /**
     * What to run: an image, a shell script, the workspace mounted at /app, further mounts and the limits of the job;
     * {@code version} (commit or image) is recorded on the container.
     */
    public record Spec(String jobId, String role, String version, String image, List<String> command, Path workspace,
            Map<String, String> env, Resources resources, Integer appPort, List<Mount> mounts) {
    }

    /** A container of this node as the engine reports it. */
    public record Found(String id, String jobId, String role, String version, String workspace, boolean running, long created) {
    }

    /** A host path or a named volume ({@link #volume}) mounted at {@code target}. */
    public record Mount(String source, String target, boolean readOnly) {
    }

    /** Creates and starts a container; returns its id. */
    public String start(Spec spec) {
        HostConfig host = HostConfig.newHostConfig()
                .withMemory(spec.resources().memoryMb() * 1024 * 1024)
                .withMemorySwap(spec.resources().memoryMb() * 1024 * 1024)
                .withNanoCPUs(spec.resources().cpuMillis() * 1_000_000)
                .withPidsLimit(1024L)
                .withSecurityOpts(List.of("no-new-privileges"))
                .withCapDrop(DROPPED);
        List<Bind> binds = new java.util.ArrayList<>();
        if (spec.workspace() != null) {
            binds.add(new Bind(spec.workspace().toString(), new Volume("/app")));
        }
        for (Mount mount : spec.mounts()) {
            binds.add(new Bind(mount.source(), new Volume(mount.target()), mount.readOnly() ? AccessMode.ro : AccessMode.rw));
        }
        host.withBinds(binds);
        CreateContainerCmd create = docker.createContainerCmd(spec.image())
                .withName("deeploy-" + spec.jobId() + "-" + spec.role() + "-" + System.nanoTime())
                .withLabels(Map.of(JOB_LABEL, spec.jobId(), ROLE_LABEL, spec.role(), NODE_LABEL, nodeId,
                        VERSION_LABEL, spec.version() == null ? "" : spec.version(),
                        WORKSPACE_LABEL, spec.workspace() == null ? "" : spec.workspace().toString()))
                .withEnv(spec.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                .withHostConfig(host);
        if (spec.command() != null && !spec.command().isEmpty()) {
            create.withCmd(spec.command());
        }
        if (spec.workspace() != null) {
            create.withWorkingDir("/app");
        }
        if (spec.appPort() != null) {
            ExposedPort exposed = ExposedPort.tcp(spec.appPort());
            create.withExposedPorts(exposed);
            // Loopback only, on a port the engine picks: the ingress is the app's one way in.
            host.withPortBindings(new PortBinding(Ports.Binding.bindIp("127.0.0.1"), exposed));
        }
        String id = create.exec().getId();
        docker.startContainerCmd(id).exec();
        return id;
    }

    /** Waits for a container to exit and returns its exit code, or null on timeout. */
    public Integer awaitExit(String containerId, Duration timeout) {
        try {
            return docker.waitContainerCmd(containerId).start().awaitStatusCode(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (com.github.dockerjava.api.exception.DockerClientException e) {
            return null;
        }
    }

    /** The host port the engine published for the app port. */
    public int publishedPort(String containerId, int appPort) {
        InspectContainerResponse inspect = docker.inspectContainerCmd(containerId).exec();
        Ports.Binding[] bindings = inspect.getNetworkSettings().getPorts().getBindings().get(ExposedPort.tcp(appPort));
        if (bindings == null || bindings.length == 0) {
            throw new IllegalStateException("port " + appPort + " of " + containerId + " is not published");
        }
        return Integer.parseInt(bindings[0].getHostPortSpec());
    }

    /** The host port published for the app port, or null when there is none (the container already exited). */
    public Integer publishedPortOrNull(String containerId, int appPort) {
        try {
            return publishedPort(containerId, appPort);
        } catch (RuntimeException e) {
            return null;
        }
    }

    public boolean isRunning(String containerId) {
        try {
            return Boolean.TRUE.equals(docker.inspectContainerCmd(containerId).exec().getState().getRunning());
        } catch (NotFoundException e) {
            return false;
        }
    }

    /** The exit code of a stopped container, or null while it runs or when it is gone. */
    public Long exitCode(String containerId) {
        try {
            var state = docker.inspectContainerCmd(containerId).exec().getState();
            return Boolean.TRUE.equals(state.getRunning()) ? null : state.getExitCodeLong();
        } catch (NotFoundException e) {
            return null;
        }
    }

    /** The last {@code lines} lines of a container's output. */
    public String logTail(String containerId, int lines) {
        Deque<String> tail = new ArrayDeque<>();
        try {
            docker.logContainerCmd(containerId).withStdOut(true).withStdErr(true).withTail(lines)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame frame) {
                            tail.add(new String(frame.getPayload(), StandardCharsets.UTF_8).stripTrailing());
                        }
                    }).awaitCompletion(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (NotFoundException e) {
            return "";
        }
        return String.join("\n", tail);
    }

    public void remove(String containerId) {
        try {
            docker.removeContainerCmd(containerId).withForce(true).exec();
        } catch (NotFoundException e) {
            // already gone
        }
    }

    /** Creates (if absent) a named volume of the job and returns its name. */
    public String volume(String jobId, String name) {
        // Named per node too: agents of several nodes may share one engine (tests, or nodes on one machine).
        String volume = "deeploy-" + nodeId + "-" + jobId + "-" + name;
        docker.createVolumeCmd().withName(volume).withLabels(Map.of(JOB_LABEL, jobId, NODE_LABEL, nodeId)).exec();
        return volume;
    }

    /** Removes the job's named volumes (after its containers are gone). */
    public void removeVolumesOf(String jobId) {
        var volumes = docker.listVolumesCmd().withFilter("label", List.of(JOB_LABEL + "=" + jobId, NODE_LABEL + "=" + nodeId))
                .exec().getVolumes();
        if (volumes != null) {
            for (var volume : volumes) {
                try {
                    docker.removeVolumeCmd(volume.getName()).exec();
                } catch (NotFoundException e) {
                    // already gone
                }
            }
        }
    }

    /** Every container this node's agent created, running or not. */
    public List<Found> containersOfThisNode() {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(NODE_LABEL, nodeId)).exec().stream()
                .map(c -> new Found(c.getId(), c.getLabels().get(JOB_LABEL), c.getLabels().get(ROLE_LABEL),
                        c.getLabels().get(VERSION_LABEL), c.getLabels().get(WORKSPACE_LABEL), "running".equals(c.getState()),
                        c.getCreated() == null ? 0 : c.getCreated()))
                .filter(c -> c.jobId() != null)
                .toList();
    }

    /** Every container of a job on this node, running or not. */
    public List<String> containersOf(String jobId) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(JOB_LABEL, jobId, NODE_LABEL, nodeId)).exec()
                .stream().map(Container::getId).toList();
    }
}
