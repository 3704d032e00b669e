package io.deeploy.builder.service;

import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.builder.client.GitClient;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.payload.BuildCompleted;
import io.deeploy.events.payload.BuildStarted;
import io.deeploy.events.payload.JobSpec;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * A Worker App Runner job's build: the branch fetched into the job's mirror (a fetch, not a fresh clone, after the first
 * time), the commit checked out into a directory of its own, and every command but the last run there in a throw-away
 * container from the job's base image with its limits. A build never touches the files of the version that serves.
 */
@ApplicationScoped
public class WarBuilder {

    private static final Logger LOG = Logger.getLogger(WarBuilder.class);
    static final int LOG_TAIL_LINES = 40;
    static final int MAX_BUILD_LOG_LINES = 10_000;

    private final GitClient git;
    private final ContainerRuntime containers;
    private final Workspaces workspaces;
    private final JobSecrets secrets;
    private final ReportSpool reports;
    private final BuildSlots slots;
    private final AppLauncher launcher;
    private final NodeConfig node;
    private final LogShipper logs;

    public WarBuilder(GitClient git, ContainerRuntime containers, Workspaces workspaces, JobSecrets secrets, ReportSpool reports,
            BuildSlots slots, AppLauncher launcher, NodeConfig node, LogShipper logs) {
        this.logs = logs;
        this.launcher = launcher;
        this.git = git;
        this.containers = containers;
        this.workspaces = workspaces;
        this.secrets = secrets;
        this.reports = reports;
        this.slots = slots;
        this.node = node;
    }

    /** The branch head, checked out into a build directory of its own (or the failure, already reported). */
    public sealed interface Fetch permits Fetched, FetchFailed {
    }

    public record Fetched(String buildId, String commit, Path directory, long startedNanos) implements Fetch {
    }

    public record FetchFailed(String reason) implements Fetch {
    }

    /**
     * Fetches the job's branch and checks out its head, or the commit the spec pins (which must be on the branch);
     * {@code unlessAt} (a commit) is not checked out again when it is still the one to run.
     */
    public Fetch fetch(String jobId, long placement, JobSpec spec, String unlessAt) {
        long started = System.nanoTime();
        String buildId = UUID.randomUUID().toString();
        Path directory = workspaces.build(jobId, buildId);
        String commit = null;
        try {
            workspaces.create(jobId);
            commit = git.sync(spec.vcs().repositoryUrl(), spec.vcs().branch(), workspaces.mirror(jobId),
                    secrets.gitCredentials(jobId, spec));
            if (spec.vcs().pinned()) {
                String pinned = spec.vcs().commit();
                if (!git.onBranch(workspaces.mirror(jobId), spec.vcs().branch(), pinned)) {
                    throw new IllegalStateException("commit " + pinned + " is not on branch " + spec.vcs().branch());
                }
                commit = pinned;
            }
            if (commit.equals(unlessAt)) {
                return new Fetched(buildId, commit, null, started);
            }
            git.checkout(workspaces.mirror(jobId), commit, directory);
            return new Fetched(buildId, commit, directory, started);
        } catch (Exception e) {
            String reason = "fetching " + spec.vcs().repositoryUrl() + " (" + spec.vcs().branch() + ") failed: " + e.getMessage();
            reports.report(jobId, placement, new BuildStarted(jobId, node.id(), buildId, commit));
            reports.report(jobId, placement, new BuildCompleted(jobId, node.id(), buildId, commit, false, millisSince(started),
                    reason, ""));
            Workspaces.deleteTree(directory);
            return new FetchFailed(reason);
        }
    }

    /**
     * Runs the build commands in {@code fetched}'s directory; true when they passed (BuildCompleted either way). The
     * directory is removed when they did not.
     */
    public boolean build(String jobId, long placement, JobSpec spec, Fetched fetched, Cancellation cancellation) {
        reports.report(jobId, placement, new BuildStarted(jobId, node.id(), fetched.buildId(), fetched.commit()));
        List<String> commands = spec.commands();
        if (commands.size() > 1) {
            String script = String.join(" && ", commands.subList(0, commands.size() - 1));
            BuildRun run;
            try {
                run = slots.run(() -> runBuild(jobId, spec, fetched, script, cancellation));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                run = new BuildRun(null, "");
            } catch (Exception e) {
                run = new BuildRun(null, e.getMessage());
            }
            Integer exit = run.exit();
            if (cancellation.cancelled()) {
                Workspaces.deleteTree(fetched.directory());
                reports.report(jobId, placement, new BuildCompleted(jobId, node.id(), fetched.buildId(), fetched.commit(), false,
                        millisSince(fetched.startedNanos()), "build cancelled: the job is to stop on this node", ""));
                return false;
            }
            if (exit == null || exit != 0) {
                reports.report(jobId, placement, new BuildCompleted(jobId, node.id(), fetched.buildId(), fetched.commit(), false,
                        millisSince(fetched.startedNanos()),
                        exit == null ? "build timed out after " + node.buildTimeout() : "build command exited with " + exit,
                        run.logTail()));
                Workspaces.deleteTree(fetched.directory());
                return false;
            }
        }
        reports.report(jobId, placement, new BuildCompleted(jobId, node.id(), fetched.buildId(), fetched.commit(), true,
                millisSince(fetched.startedNanos()), null, null));
        return true;
    }

    /** How a build container ended: its exit code (null: timed out or never ran) and the last lines of its output. */
    record BuildRun(Integer exit, String logTail) {
    }

    private BuildRun runBuild(String jobId, JobSpec spec, Fetched fetched, String script, Cancellation cancellation) {
        if (cancellation.cancelled()) {
            return new BuildRun(null, "");
        }
        String builder = containers.start(new ContainerRuntime.Spec(jobId, "build", fetched.commit(), spec.image(),
                List.of("sh", "-c", script), fetched.directory(), secrets.environment(jobId, spec), spec.resources(), null,
                launcher.mounts(jobId, spec), null, spec.egress()));
        cancellation.building(builder);
        logs.follow(jobId, "build", builder);
        try {
            Integer exit = containers.awaitExit(builder, node.buildTimeout());
            keepBuildLog(jobId, containers.logTail(builder, MAX_BUILD_LOG_LINES));
            return new BuildRun(exit, containers.logTail(builder, LOG_TAIL_LINES));
        } finally {
            cancellation.building(null);
            logs.finish(builder);
            containers.remove(builder);
        }
    }

    /** The job's latest build output, kept until the job stops. */
    private void keepBuildLog(String jobId, String log) {
        try {
            Files.writeString(workspaces.buildLog(jobId), log + "\n");
        } catch (IOException e) {
            LOG.warnf("job %s: build log not kept: %s", jobId, e.getMessage());
        }
    }

    /** The last lines of the job's latest build, or null if it has none here. */
    public String buildLog(String jobId, int lines) throws IOException {
        Path file = workspaces.buildLog(jobId);
        if (!Files.exists(file)) {
            return null;
        }
        List<String> all = Files.readAllLines(file);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
