package io.deeploy.builder.service;

import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.JobIds;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Where each job's files live on the node: {@code <work-dir>/jobs/<job>} (its mirror, builds, file volumes and build
 * log), readable by the agent's user only, and removed with the job.
 */
@ApplicationScoped
public class Workspaces {

    private static final Logger LOG = Logger.getLogger(Workspaces.class);

    private final Path jobsRoot;

    public Workspaces(NodeConfig config) {
        this.jobsRoot = Path.of(config.workDir(), "jobs");
    }

    /** The job's workspace; the id is checked before it becomes a path. */
    public Path of(String jobId) {
        return jobsRoot.resolve(JobIds.checked(jobId));
    }

    /** Creates the job's workspace, owner-only, and returns it. */
    public Path create(String jobId) throws IOException {
        Path workspace = of(jobId);
        if (!Files.isDirectory(workspace)) {
            Files.createDirectories(jobsRoot);
            Files.createDirectories(workspace, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return workspace;
    }

    public Path mirror(String jobId) {
        return of(jobId).resolve("mirror");
    }

    public Path build(String jobId, String buildId) {
        return of(jobId).resolve("builds").resolve(buildId);
    }

    public Path buildLog(String jobId) {
        return of(jobId).resolve("build.log");
    }

    /** The jobs that have a workspace here. */
    public List<String> jobsWithWorkspace() {
        if (!Files.isDirectory(jobsRoot)) {
            return List.of();
        }
        try (Stream<Path> jobs = Files.list(jobsRoot)) {
            return jobs.filter(Files::isDirectory).map(path -> path.getFileName().toString()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    public static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.warnf("could not delete %s: %s", root, e.getMessage());
        }
    }
}
