package io.deeploy.builder.service;

import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.events.VolumeNames;
import io.deeploy.events.payload.JobSpec;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a job's app container (the job's last command under sh, its image, workspace, volumes, file volumes and
 * limits, its port published on the node's address) and gates it on its health check. Blocking.
 */
@ApplicationScoped
public class AppLauncher {

    static final int LOG_TAIL_LINES = 40;

    private final ContainerRuntime containers;
    private final HealthProbe health;
    private final JobSecrets secrets;
    private final Workspaces workspaces;

    public AppLauncher(ContainerRuntime containers, HealthProbe health, JobSecrets secrets, Workspaces workspaces) {
        this.containers = containers;
        this.health = health;
        this.secrets = secrets;
        this.workspaces = workspaces;
    }

    /** What became of a start. */
    public sealed interface Launch permits Healthy, Unhealthy {
    }

    public record Healthy(String containerId, int hostPort) implements Launch {
    }

    /** The app did not become healthy; its container is gone, {@code logTail} is its last output. */
    public record Unhealthy(String reason, String logTail) implements Launch {
    }

    public Launch launch(String jobId, JobSpec spec, String version, Path buildDir, String specDigest) {
        String app = containers.start(new ContainerRuntime.Spec(jobId, "app", version, spec.image(), runCommand(spec.commands()),
                buildDir, secrets.environment(jobId, spec), spec.resources(), spec.port(), mounts(jobId, spec), specDigest,
                spec.egress()));
        Integer hostPort = containers.publishedPortOrNull(app, spec.port());
        String failure = hostPort == null ? "app exited at start" : health.awaitHealthy(app, hostPort, spec.healthCheck());
        if (failure != null) {
            String tail = containers.logTail(app, LOG_TAIL_LINES);
            containers.remove(app);
            return new Unhealthy(failure, tail);
        }
        return new Healthy(app, hostPort);
    }

    /**
     * The app's command: the job's last command under {@code sh -c}. A simple command is exec'd so that the app is the
     * container's first process and receives the engine's stop signal; a compound one (cd, &&, pipes) runs under sh.
     */
    static List<String> runCommand(List<String> commands) {
        if (commands.isEmpty()) {
            return List.of();
        }
        String command = commands.get(commands.size() - 1);
        boolean simple = !command.matches(".*[;&|()<>`$\\n].*") && !command.strip().startsWith("cd ");
        return List.of("sh", "-c", simple ? "exec " + command : command);
    }

    /**
     * The job's volumes (named, created once, kept across redeploys) and file volumes (written into the workspace,
     * mounted read-only). A file volume is written beside its path and renamed over it: the revision serving now has the
     * old file bind-mounted, and keeps it whole (its inode) whether or not this one ever starts.
     */
    List<ContainerRuntime.Mount> mounts(String jobId, JobSpec spec) {
        List<ContainerRuntime.Mount> mounts = new ArrayList<>();
        for (var volume : spec.volumes()) {
            mounts.add(ContainerRuntime.Mount.volume(containers.volume(jobId, volume.name()), volume.mountPath()));
        }
        for (var file : spec.fileVolumes()) {
            // Checked before anything is written: the name becomes a path on the node.
            Path path = workspaces.of(jobId).resolve("files").resolve(VolumeNames.checked(file.name(), "file volume"));
            try {
                workspaces.create(jobId);
                Files.createDirectories(path.getParent());
                replace(path, file.content());
            } catch (IOException e) {
                throw new IllegalStateException("cannot write file volume " + file.name() + ": " + e.getMessage(), e);
            }
            mounts.add(ContainerRuntime.Mount.workspace(path, file.mountPath(), true));
        }
        return mounts;
    }

    /** Writes {@code content} to a new file readable by the container's user and moves it over {@code path} at once. */
    static void replace(Path path, String content) throws IOException {
        Path written = Files.createTempFile(path.getParent(), "." + path.getFileName(), ".new");
        try {
            // A temporary file is private to the agent; the app may run as any user and must read it (as before).
            Files.setPosixFilePermissions(written, PosixFilePermissions.fromString("rw-r--r--"));
            Files.writeString(written, content);
            Files.move(written, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(written);
        }
    }
}
