package io.deeploy.builder.client;

import com.github.dockerjava.api.DockerClient;
import io.deeploy.builder.config.NodeConfig;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import io.deeploy.events.JobIds;
import io.deeploy.events.VolumeNames;
import io.deeploy.events.payload.Egress;
import io.deeploy.events.payload.Resources;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

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
    /** A digest of the job spec the container was made for: a container of another spec is not adopted. */
    public static final String SPEC_LABEL = "deeploy.spec";
    /**
     * All capabilities are dropped and only these come back. Builds and apps run as root inside their container (the
     * base images have no other user), and root without these breaks ordinary work: CHOWN, FOWNER and FSETID let package
     * managers and archive tools (apt, pip, npm, tar) set the owners, modes and set-group-id bits of what they unpack,
     * also on the bind-mounted workspace that the agent's user owns; DAC_OVERRIDE lets root read and write files of other
     * users in the image and in caches; SETUID and SETGID let apt drop to _apt and an entrypoint step down to an
     * unprivileged user; KILL lets a shell or npm signal children running as another user; NET_BIND_SERVICE lets an app
     * listen below 1024 (a CAR image on port 80). Docker's default set also has NET_RAW (raw sockets: spoofing on the
     * bridge), MKNOD, AUDIT_WRITE, SYS_CHROOT, SETFCAP and SETPCAP, which no build or app of ours needs.
     */
    public static final List<Capability> ADDED = List.of(Capability.CHOWN, Capability.DAC_OVERRIDE, Capability.FOWNER,
            Capability.FSETID, Capability.SETGID, Capability.SETUID, Capability.KILL, Capability.NET_BIND_SERVICE);
    /** Enough for any build tool's worker pool, low enough that a fork bomb cannot exhaust the node's pids. */
    public static final long PIDS_LIMIT = 1024;
    /** The names {@link #volume} gives; a source of this form is a named volume, never a path. */
    static final Pattern VOLUME_NAME = Pattern.compile("deeploy-[A-Za-z0-9][A-Za-z0-9_.-]{0,250}");

    private final DockerClient docker;
    private final JobNetworks networks;
    private final String nodeId;
    private final Path jobsRoot;
    private final String publishAddress;
    private final ContainerRoot root;

    public ContainerRuntime(DockerClient docker, JobNetworks networks, NodeConfig node, ContainerRoot root) {
        this.docker = docker;
        this.networks = networks;
        this.root = root;
        this.nodeId = node.id();
        this.jobsRoot = Path.of(node.workDir(), "jobs");
        this.publishAddress = node.publishAddress();
    }

    /**
     * What to run: an image, a shell script, the workspace mounted at /app, further mounts and the limits of the job;
     * {@code version} (commit or image) and {@code specDigest} are recorded on the container, which joins the job's own
     * network ({@link JobNetworks}) with the job's {@code egress}.
     */
    public record Spec(String jobId, String role, String version, String image, List<String> command, Path workspace,
            Map<String, String> env, Resources resources, Integer appPort, List<Mount> mounts, String specDigest,
            Egress egress) {
    }

    /** A container of this node as the engine reports it. */
    public record Found(String id, String jobId, String role, String version, String workspace, String specDigest,
            boolean running, long created) {
    }

    /**
     * What a container may mount: a named volume the agent created ({@link #volume}), or a file or directory inside the
     * job's own workspace ({@code WORKSPACE}). Nothing else of the host, whatever a job spec says.
     */
    public record Mount(Kind kind, String source, String target, boolean readOnly) {

        public enum Kind { VOLUME, WORKSPACE }

        public static Mount volume(String name, String target) {
            return new Mount(Kind.VOLUME, name, target, false);
        }

        public static Mount workspace(Path path, String target, boolean readOnly) {
            return new Mount(Kind.WORKSPACE, path.toString(), target, readOnly);
        }
    }

    /** Thrown instead of creating a container whose mounts would reach outside its job. */
    public static class MountRefused extends IllegalArgumentException {
        public MountRefused(String message) {
            super(message);
        }
    }

    /**
     * Creates and starts a container; returns its id. Its root is an unprivileged uid of the node ({@link ContainerRoot}),
     * to which what it mounts of the workspace is handed first.
     */
    public String start(Spec spec) {
        JobIds.checked(spec.jobId());
        root.requireIsolation();
        List<Mount> requested = new ArrayList<>();
        if (spec.workspace() != null) {
            requested.add(Mount.workspace(spec.workspace(), "/app", false));
        }
        requested.addAll(spec.mounts());
        List<com.github.dockerjava.api.model.Mount> mounts = new ArrayList<>();
        for (Mount mount : requested) {
            mounts.add(checked(mount, jobsRoot, spec.jobId()));
        }
        for (var mount : mounts) {
            if (mount.getType() == MountType.BIND) {
                root.handOver(Path.of(mount.getSource()));
            }
        }
        HostConfig host = HostConfig.newHostConfig()
                .withMemory(spec.resources().memoryMb() * 1024 * 1024)
                .withMemorySwap(spec.resources().memoryMb() * 1024 * 1024)
                .withNanoCPUs(spec.resources().cpuMillis() * 1_000_000)
                .withPidsLimit(PIDS_LIMIT)
                .withPrivileged(false)
                // The job's own network: its own namespace (never the node's, host mode) and its own bridge.
                .withNetworkMode(networks.ensure(spec.jobId(), spec.egress()))
                .withSecurityOpts(List.of("no-new-privileges"))
                .withCapDrop(Capability.ALL)
                .withCapAdd(ADDED.toArray(Capability[]::new))
                // Typed mounts, not "source:target:mode" strings, so that no character of a name or path is parsed.
                .withMounts(mounts);
        CreateContainerCmd create = docker.createContainerCmd(spec.image())
                .withName("deeploy-" + spec.jobId() + "-" + spec.role() + "-" + System.nanoTime())
                .withLabels(Map.of(JOB_LABEL, spec.jobId(), ROLE_LABEL, spec.role(), NODE_LABEL, nodeId,
                        VERSION_LABEL, spec.version() == null ? "" : spec.version(),
                        WORKSPACE_LABEL, spec.workspace() == null ? "" : spec.workspace().toString(),
                        SPEC_LABEL, spec.specDigest() == null ? "" : spec.specDigest()))
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
            // On the node's publish address only (loopback when the ingress is on this machine), on a port the engine
            // picks: the ingress is the app's one way in.
            host.withPortBindings(new PortBinding(Ports.Binding.bindIp(publishAddress), exposed));
        }
        String id = create.exec().getId();
        docker.startContainerCmd(id).exec();
        return id;
    }

    /**
     * The engine's form of {@code mount} once it is known to stay inside job {@code jobId}: a volume must carry the name
     * {@link #volume} gives, a workspace path must be, after resolving every symbolic link, a regular file or directory
     * under {@code jobsRoot/jobId} (so never the Docker socket, a device or another job's files).
     */
    static com.github.dockerjava.api.model.Mount checked(Mount mount, Path jobsRoot, String jobId) {
        String target = mount.target();
        if (target == null || !target.startsWith("/") || target.contains(":")
                || !Path.of(target).normalize().toString().equals(target)) {
            throw new MountRefused("refusing to mount at '" + target + "': not an absolute, normalised path");
        }
        com.github.dockerjava.api.model.Mount engine = new com.github.dockerjava.api.model.Mount().withTarget(target)
                .withReadOnly(mount.readOnly());
        if (mount.kind() == Mount.Kind.VOLUME) {
            if (mount.source() == null || !VOLUME_NAME.matcher(mount.source()).matches()
                    || !mount.source().contains("-" + jobId + "-")) {
                throw new MountRefused("refusing to mount volume '" + mount.source() + "': not a volume of this job");
            }
            return engine.withType(MountType.VOLUME).withSource(mount.source());
        }
        Path real;
        Path jobRoot;
        try {
            jobRoot = jobsRoot.resolve(JobIds.checked(jobId)).toRealPath();
            real = Path.of(mount.source()).toRealPath();
        } catch (IOException | IllegalArgumentException e) {
            throw new MountRefused("refusing to mount '" + mount.source() + "': " + e.getMessage());
        }
        if (!real.startsWith(jobRoot) || real.equals(jobRoot) || !(Files.isRegularFile(real) || Files.isDirectory(real))) {
            throw new MountRefused("refusing to mount '" + mount.source() + "': only files and directories inside the job's "
                    + "workspace are mounted");
        }
        return engine.withType(MountType.BIND).withSource(real.toString());
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
        String volume = "deeploy-" + nodeId + "-" + JobIds.checked(jobId) + "-" + VolumeNames.checked(name, "volume");
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
                        c.getLabels().get(VERSION_LABEL), c.getLabels().get(WORKSPACE_LABEL), c.getLabels().get(SPEC_LABEL),
                        "running".equals(c.getState()), c.getCreated() == null ? 0 : c.getCreated()))
                .filter(c -> c.jobId() != null)
                .toList();
    }

    /** Every container of a job on this node, running or not. */
    public List<String> containersOf(String jobId) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(JOB_LABEL, jobId, NODE_LABEL, nodeId)).exec()
                .stream().map(Container::getId).toList();
    }
}
