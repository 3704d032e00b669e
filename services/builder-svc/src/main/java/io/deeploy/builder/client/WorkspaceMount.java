package io.deeploy.builder.client;

import io.deeploy.builder.config.NodeConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Puts the jobs' workspaces ({@code <work-dir>/jobs}) on a mount of their own without set-uid and device files, before
 * any container starts: a build may leave a set-uid binary or a device node in its checkout, and neither has any effect
 * on the node. The containers' bind mounts of a workspace inherit the flags. The directory is bind-mounted onto itself,
 * so it needs no file system of its own; a mount left by an earlier run of the agent (one that crashed) is kept.
 */
@ApplicationScoped
public class WorkspaceMount {

    private static final Logger LOG = Logger.getLogger(WorkspaceMount.class);
    static final Set<String> REQUIRED_OPTIONS = Set.of("nosuid", "nodev");

    private final Path jobsRoot;
    private final boolean required;
    private volatile boolean mountedHere;

    public WorkspaceMount(NodeConfig node) {
        this.jobsRoot = Path.of(node.workDir(), "jobs").toAbsolutePath().normalize();
        this.required = node.nosuidWorkspaces();
    }

    /** First of all startup work: nothing may write a workspace before it is fenced in. */
    void start(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent startup) throws IOException {
        Files.createDirectories(jobsRoot, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        String failure = ensure();
        if (failure == null) {
            return;
        }
        if (required) {
            throw new IllegalStateException("the jobs' workspaces " + jobsRoot + " cannot be mounted nosuid,nodev (" + failure
                    + "); run the agent as root, or set deeploy.node.nosuid-workspaces=false on a node for trusted jobs only");
        }
        LOG.warnf("the jobs' workspaces %s are not mounted nosuid,nodev (%s): set-uid files that jobs write there keep their "
                + "bit on the node", jobsRoot, failure);
    }

    /** Removes the mount this run made, so that the work directory can be deleted; running containers keep their own. */
    void stop(@Observes ShutdownEvent shutdown) {
        if (mountedHere && run("umount", jobsRoot.toString()) != null) {
            LOG.debugf("%s left mounted", jobsRoot);
        }
    }

    /** Whether the workspaces are fenced in now (readiness, tests). */
    public boolean fenced() {
        try {
            return options(Path.of("/proc/self/mountinfo"), jobsRoot.toRealPath()).containsAll(REQUIRED_OPTIONS);
        } catch (IOException e) {
            return false;
        }
    }

    /** Mounts the workspaces nosuid,nodev unless they are; returns null, or why it could not. */
    private String ensure() throws IOException {
        Path real = jobsRoot.toRealPath();
        List<String> current = options(Path.of("/proc/self/mountinfo"), real);
        if (current.containsAll(REQUIRED_OPTIONS)) {
            LOG.infof("jobs' workspaces %s: already mounted nosuid,nodev", real);
            return null;
        }
        String failure = current.isEmpty() ? run("mount", "--bind", real.toString(), real.toString()) : null;
        if (failure != null) {
            return failure;
        }
        mountedHere = current.isEmpty();
        failure = run("mount", "-o", "remount,bind,nosuid,nodev", real.toString());
        if (failure != null) {
            return failure;
        }
        LOG.infof("jobs' workspaces %s: mounted nosuid,nodev", real);
        return null;
    }

    /**
     * The per-mount options of the topmost mount at {@code mountPoint} in a mountinfo table (proc(5)), empty when
     * nothing is mounted there.
     */
    public static List<String> options(Path mountinfo, Path mountPoint) throws IOException {
        List<String> found = List.of();
        for (String line : Files.readAllLines(mountinfo, StandardCharsets.UTF_8)) {
            String[] fields = line.split(" ");
            if (fields.length > 5 && unescape(fields[4]).equals(mountPoint.toString())) {
                found = List.of(fields[5].split(","));
            }
        }
        return found;
    }

    /** mountinfo writes space, tab, newline and backslash in a path as octal escapes. */
    static String unescape(String field) {
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                path.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                path.append(c);
            }
        }
        return path.toString();
    }

    /** Runs a mount tool; null when it succeeded, else its output. */
    private static String run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return String.join(" ", command) + " did not finish";
            }
            return process.exitValue() == 0 ? null : String.join(" ", command) + ": " + output;
        } catch (IOException e) {
            return String.join(" ", command) + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return String.join(" ", command) + ": interrupted";
        }
    }
}
