package io.deeploy.builder.service;

import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.builder.client.GitClient;
import io.deeploy.builder.client.ImagePuller;
import io.deeploy.builder.client.JobIds;
import io.deeploy.builder.client.JobSecretsClient;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.payload.AppFailed;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.BuildCompleted;
import io.deeploy.events.payload.BuildStarted;
import io.deeploy.events.payload.HealthCheck;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.RegistryAuth;
import io.deeploy.events.payload.TunnelSettings;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.jboss.logging.Logger;

/**
 * Builds and runs the jobs assigned to this node: fetch the branch into the job's mirror (WAR), check the commit out
 * into a directory of its own, build in a throw-away container, run the app in its own container with the job's
 * limits, publish its port on loopback, and gate on the health check before announcing it. On a new commit the new
 * version is built and checked beside the serving one, traffic switches (AppStarted), and the old container is removed
 * after a drain delay; a failed build or health check leaves the old version serving. Work for one job is serialised;
 * a stop cancels a deployment between its phases.
 */
@ApplicationScoped
public class Deployer {

    private static final Logger LOG = Logger.getLogger(Deployer.class);
    static final int LOG_TAIL_LINES = 40;
    static final int MAX_BUILD_LOG_LINES = 10_000;

    private final ContainerRuntime containers;
    private final GitClient git;
    private final StatusEvents events;
    private final RepoWatcher watcher;
    private final NodeConfig node;
    private final JobSecretsClient secretsClient;
    private final TunnelManager tunnels;
    private final ImagePuller images;
    /** Secrets of the jobs on this node, read once per deployment from project-svc; in memory only. */
    private final Map<String, Map<String, String>> secretsByJob = new ConcurrentHashMap<>();
    private final Map<String, Serving> serving = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newFixedThreadPool(2, runnable -> {
        Thread thread = new Thread(runnable, "deeploy-deployer");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Object> jobLocks = new ConcurrentHashMap<>();
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    private final Set<String> recovering = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService supervisor = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "deeploy-supervisor");
        thread.setDaemon(true);
        return thread;
    });

    public Deployer(ContainerRuntime containers, GitClient git, StatusEvents events, RepoWatcher watcher, NodeConfig node,
            JobSecretsClient secretsClient, TunnelManager tunnels, ImagePuller images) {
        this.secretsClient = secretsClient;
        this.images = images;
        this.tunnels = tunnels;
        this.containers = containers;
        this.git = git;
        this.events = events;
        this.watcher = watcher;
        this.node = node;
    }

    void start(@Observes StartupEvent event) {
        long every = node.superviseInterval().toMillis();
        supervisor.scheduleWithFixedDelay(this::supervise, every, every, TimeUnit.MILLISECONDS);
    }

    void shutdown(@Observes ShutdownEvent event) {
        supervisor.shutdownNow();
        workers.shutdownNow();
    }

    /**
     * Health after start, which the seed system never checked: an app whose container has exited is reported
     * (AppFailed) and restarted under its restart policy, with exponential backoff.
     */
    private void supervise() {
        serving.forEach((jobId, current) -> {
            if (cancelled.contains(jobId)) {
                return;
            }
            if (containers.isRunning(current.containerId())) {
                if (current.restarts() > 0 && current.since().plus(node.restartBackoffReset()).isBefore(Instant.now())) {
                    serving.replace(jobId, current, new Serving(current.spec(), current.commit(), current.containerId(),
                            current.hostPort(), current.buildDir(), 0, current.since()));
                }
                return;
            }
            if (recovering.add(jobId)) {
                workers.submit(() -> {
                    try {
                        withJobLock(jobId, () -> recover(jobId, current));
                    } finally {
                        recovering.remove(jobId);
                    }
                });
            }
        });
    }

    private void recover(String jobId, Serving crashed) {
        if (serving.get(jobId) != crashed || cancelled.contains(jobId)) {
            return;
        }
        Long exit = containers.exitCode(crashed.containerId());
        String tail = containers.logTail(crashed.containerId(), LOG_TAIL_LINES);
        containers.remove(crashed.containerId());
        int restarts = crashed.restarts() + 1;
        String reason = exit == null ? "app container is gone" : "app exited with code " + exit;
        events.emit(new AppFailed(jobId, node.id(), crashed.commit(), reason, tail, restarts));
        String policy = crashed.spec().restartPolicy();
        if ("no".equals(policy) || ("on-failure".equals(policy) && exit != null && exit == 0)) {
            serving.remove(jobId);
            // Nothing will serve behind it again.
            tunnels.stop(jobId, tunnelHome(jobId));
            return;
        }
        Duration backoff = backoff(node.restartBackoffInitial(), node.restartBackoffMax(), restarts);
        LOG.warnf("job %s: %s; restart %d in %d ms", jobId, reason, restarts, backoff.toMillis());
        sleep(backoff);
        if (cancelled.contains(jobId)) {
            return;
        }
        JobSpec spec = crashed.spec();
        // A restart runs the image the deployment pulled; only an image that has gone since is pulled again.
        String missing = prepareImage(jobId, spec, false);
        if (missing != null) {
            events.emit(new AppFailed(jobId, node.id(), crashed.commit(), missing, "", restarts));
            // Recorded as another failed restart, so the supervisor retries with a longer backoff.
            serving.put(jobId, new Serving(spec, crashed.commit(), crashed.containerId(), 0, crashed.buildDir(), restarts, Instant.now()));
            return;
        }
        List<String> run = runCommand(spec.commands());
        String app = containers.start(new ContainerRuntime.Spec(jobId, "app", crashed.commit(), spec.image(), run, crashed.buildDir(),
                env(jobId, spec), spec.resources(), spec.port(), mounts(jobId, spec)));
        Integer hostPort = containers.publishedPortOrNull(app, spec.port());
        if (hostPort == null) {
            // Exited before the engine published its port; the supervisor backs off further on the next round.
            serving.put(jobId, new Serving(spec, crashed.commit(), app, 0, crashed.buildDir(), restarts, Instant.now()));
            return;
        }
        // Recorded before the health check: if it fails, the supervisor finds the container gone and backs off further.
        Serving restarted = new Serving(spec, crashed.commit(), app, hostPort, crashed.buildDir(), restarts, Instant.now());
        serving.put(jobId, restarted);
        String failure = awaitHealthy(app, hostPort, spec.healthCheck());
        if (failure != null) {
            containers.remove(app);
            return;
        }
        announce(jobId, restarted);
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

    /** initial × 2^(restarts−1), at most {@code max}. */
    static Duration backoff(Duration initial, Duration max, int restarts) {
        long factor = 1L << Math.min(Math.max(restarts - 1, 0), 20);
        long millis = initial.toMillis() * factor;
        return millis > max.toMillis() || millis < 0 ? max : Duration.ofMillis(millis);
    }

    /** What serves a job on this node now, and how often it has been restarted since it last ran long enough. */
    record Serving(JobSpec spec, String commit, String containerId, int hostPort, Path buildDir, int restarts, Instant since) {
    }

    /** Deploys the job, or its newest commit when it already runs here (a redeploy that switches without downtime). */
    public void deploy(String jobId, JobSpec spec) {
        deploy(jobId, spec, false);
    }

    /**
     * As {@link #deploy(String, JobSpec)}; {@code newPlacement} when a (re)placement brought the job here: if it already
     * serves the newest version here, that is announced again (AppStarted), so the job does not stay SCHEDULED.
     */
    public void deploy(String jobId, JobSpec spec, boolean newPlacement) {
        cancelled.remove(jobId);
        workers.submit(() -> withJobLock(jobId, () -> {
            try {
                deployNow(jobId, spec, newPlacement);
            } catch (RuntimeException e) {
                // An engine or workspace failure (a missing image, a full disk) must not leave the job silently BUILDING.
                LOG.errorf(e, "job %s: deployment failed", jobId);
                events.emit(new AppFailed(jobId, node.id(), servingCommit(jobId), "deployment failed: " + e.getMessage(), "", 0));
            }
        }));
    }

    public void stop(String jobId, String reason) {
        cancelled.add(jobId);
        workers.submit(() -> withJobLock(jobId, () -> stopNow(jobId, reason)));
    }

    /**
     * After an agent restart: {@code assigned} are the jobs this node is to run, {@code stopped} those it was told to
     * stop. Containers of this node outside both are removed; interrupted stops are finished; each assigned job adopts
     * its running app or is deployed again.
     */
    public void reconcile(Map<String, JobSpec> assigned, Set<String> stopped) {
        Map<String, List<ContainerRuntime.Found>> byJob = containers.containersOfThisNode().stream()
                .collect(Collectors.groupingBy(ContainerRuntime.Found::jobId));
        byJob.forEach((jobId, found) -> {
            if (!assigned.containsKey(jobId) && !stopped.contains(jobId)) {
                LOG.warnf("job %s: removing %d containers that run here without an assignment", jobId, found.size());
                found.forEach(container -> containers.remove(container.id()));
            }
        });
        for (String jobId : stopped) {
            if (byJob.containsKey(jobId) || Files.exists(workspaceOf(jobId))) {
                LOG.infof("job %s: finishing the stop that the restart interrupted", jobId);
                stop(jobId, "stop finished after an agent restart");
            }
        }
        assigned.forEach((jobId, spec) -> workers.submit(() -> withJobLock(jobId,
                () -> adoptOrDeploy(jobId, spec, byJob.getOrDefault(jobId, List.of())))));
    }

    private void adoptOrDeploy(String jobId, JobSpec spec, List<ContainerRuntime.Found> found) {
        if (cancelled.contains(jobId)) {
            return;
        }
        Serving current = serving.get(jobId);
        if (current != null) {
            // An event deployed the job before reconciliation reached it: only leftovers remain to clear.
            found.stream().filter(c -> !c.id().equals(current.containerId())).forEach(c -> containers.remove(c.id()));
            return;
        }
        if (needsSecrets(spec)) {
            try {
                secretsByJob.put(jobId, secretsClient.secretsOf(jobId));
            } catch (JobSecretsClient.SecretsUnavailable e) {
                LOG.warnf("job %s: secrets unavailable after restart (%s); a restart of its app would lack them", jobId, e.getMessage());
            }
        }
        // A crash in the middle of a redeploy can leave two app containers: the newest healthy one wins.
        ContainerRuntime.Found adopted = null;
        int hostPort = 0;
        for (ContainerRuntime.Found candidate : found.stream().filter(c -> "app".equals(c.role()) && c.running())
                .sorted(Comparator.comparingLong(ContainerRuntime.Found::created).reversed()).toList()) {
            try {
                int port = containers.publishedPort(candidate.id(), spec.port());
                if (probe(port, spec.healthCheck() == null ? new HealthCheck(HealthCheck.Mode.TCP, null, 0, 5, 10) : spec.healthCheck())) {
                    adopted = candidate;
                    hostPort = port;
                    break;
                }
            } catch (RuntimeException e) {
                LOG.debugf("job %s: container %s not adoptable: %s", jobId, candidate.id(), e.getMessage());
            }
        }
        ContainerRuntime.Found keep = adopted;
        found.stream().filter(c -> keep == null || !c.id().equals(keep.id())).forEach(c -> containers.remove(c.id()));
        if (adopted == null) {
            LOG.infof("job %s: nothing healthy left running here; deploying again", jobId);
            try {
                deployNow(jobId, spec);
            } catch (RuntimeException e) {
                LOG.errorf(e, "job %s: deployment failed", jobId);
                events.emit(new AppFailed(jobId, node.id(), null, "deployment failed: " + e.getMessage(), "", 0));
            }
            return;
        }
        Path buildDir = adopted.workspace() == null || adopted.workspace().isEmpty() ? null : Path.of(adopted.workspace());
        Serving adoptedServing = new Serving(spec, adopted.version(), adopted.id(), hostPort, buildDir, 0, Instant.now());
        serving.put(jobId, adoptedServing);
        LOG.infof("job %s adopted: %s serving %s on 127.0.0.1:%d", jobId, adopted.id(), adopted.version(), hostPort);
        // Announced again so that the route points at the adopted container whichever one it pointed at before.
        announce(jobId, adoptedServing);
        watch(jobId, spec, adopted.version());
    }

    /** Jobs whose app serves here now: passed its health check and not crashed since (the supervisor's view). */
    public List<String> healthyJobs() {
        return serving.keySet().stream().filter(jobId -> !recovering.contains(jobId) && !cancelled.contains(jobId)).sorted().toList();
    }

    /** The commit (or image) serving the job here, if any. */
    public String servingCommit(String jobId) {
        Serving current = serving.get(jobId);
        return current == null ? null : current.commit();
    }

    private void withJobLock(String jobId, Runnable work) {
        synchronized (jobLocks.computeIfAbsent(jobId, id -> new Object())) {
            try {
                work.run();
            } catch (RuntimeException e) {
                LOG.errorf(e, "job %s: unexpected failure", jobId);
            }
        }
    }

    private void deployNow(String jobId, JobSpec spec) {
        deployNow(jobId, spec, false);
    }

    private void deployNow(String jobId, JobSpec spec, boolean newPlacement) {
        if (cancelled.contains(jobId)) {
            return;
        }
        Serving current = serving.get(jobId);
        String buildId = "build-" + UUID.randomUUID();
        long started = System.nanoTime();
        if (needsSecrets(spec)) {
            try {
                secretsByJob.put(jobId, secretsClient.secretsOf(jobId));
            } catch (JobSecretsClient.SecretsUnavailable e) {
                events.emit(new AppFailed(jobId, node.id(), servingCommit(jobId), "job secrets unavailable: " + e.getMessage(), "", 0));
                return;
            }
        }
        Path buildDir = null;
        String commit = spec.image();
        List<String> commands = spec.commands();
        if (spec.kind() == JobKind.WAR) {
            Path mirror = workspaceOf(jobId).resolve("mirror");
            buildDir = workspaceOf(jobId).resolve("builds").resolve(buildId);
            try {
                commit = git.sync(spec.vcs().repositoryUrl(), spec.vcs().branch(), mirror, credentials(jobId, spec));
                if (current != null && commit.equals(current.commit())) {
                    if (newPlacement) {
                        announce(jobId, current);
                    }
                    return;
                }
                git.checkout(mirror, commit, buildDir);
            } catch (Exception e) {
                events.emit(new BuildStarted(jobId, node.id(), buildId, commit));
                events.emit(new BuildCompleted(jobId, node.id(), buildId, commit, false, millisSince(started),
                        "fetching " + spec.vcs().repositoryUrl() + " (" + spec.vcs().branch() + ") failed: " + e.getMessage(), ""));
                deleteTree(buildDir);
                return;
            }
            // The base image runs the build and the app: without it there is nothing to build in.
            String missing = prepareImage(jobId, spec, true);
            if (missing != null) {
                events.emit(new AppFailed(jobId, node.id(), commit, missing, "", 0));
                deleteTree(buildDir);
                watch(jobId, spec, current == null ? commit : current.commit());
                return;
            }
            events.emit(new BuildStarted(jobId, node.id(), buildId, commit));
            if (commands.size() > 1) {
                String script = String.join(" && ", commands.subList(0, commands.size() - 1));
                String builder = containers.start(new ContainerRuntime.Spec(jobId, "build", commit, spec.image(), List.of("sh", "-c", script),
                        buildDir, env(jobId, spec), spec.resources(), null, mounts(jobId, spec)));
                Integer exit = containers.awaitExit(builder, node.buildTimeout());
                String tail = containers.logTail(builder, LOG_TAIL_LINES);
                keepBuildLog(jobId, containers.logTail(builder, MAX_BUILD_LOG_LINES));
                containers.remove(builder);
                if (exit == null || exit != 0) {
                    // Whatever serves keeps serving; the next commit gets its own chance.
                    events.emit(new BuildCompleted(jobId, node.id(), buildId, commit, false, millisSince(started),
                            exit == null ? "build timed out after " + node.buildTimeout() : "build command exited with " + exit, tail));
                    deleteTree(buildDir);
                    watch(jobId, spec, current == null ? commit : current.commit());
                    return;
                }
            }
            events.emit(new BuildCompleted(jobId, node.id(), buildId, commit, true, millisSince(started), null, null));
        } else if (current != null) {
            if (newPlacement) {
                announce(jobId, current);
            }
            return;
        } else {
            String missing = prepareImage(jobId, spec, true);
            if (missing != null) {
                events.emit(new AppFailed(jobId, node.id(), commit, missing, "", 0));
                return;
            }
        }
        if (cancelled.contains(jobId)) {
            deleteTree(buildDir);
            return;
        }
        List<String> run = runCommand(commands);
        String app = containers.start(new ContainerRuntime.Spec(jobId, "app", commit, spec.image(), run, buildDir, env(jobId, spec),
                spec.resources(), spec.port(), mounts(jobId, spec)));
        Integer hostPort = containers.publishedPortOrNull(app, spec.port());
        String failure = hostPort == null ? "app exited at start" : awaitHealthy(app, hostPort, spec.healthCheck());
        if (failure != null) {
            String tail = containers.logTail(app, LOG_TAIL_LINES);
            containers.remove(app);
            deleteTree(buildDir);
            events.emit(new AppFailed(jobId, node.id(), commit, failure, tail, 0));
            watch(jobId, spec, current == null ? commit : current.commit());
            return;
        }
        Serving deployed = new Serving(spec, commit, app, hostPort, buildDir, 0, Instant.now());
        serving.put(jobId, deployed);
        LOG.infof("job %s serves %s on 127.0.0.1:%d", jobId, commit, hostPort);
        // Traffic moves to the new container when the ingress takes this event; the old one serves until then.
        announce(jobId, deployed);
        watch(jobId, spec, commit);
        if (current != null) {
            sleep(node.drainDelay());
            containers.remove(current.containerId());
            deleteTree(current.buildDir());
        }
    }

    /**
     * AppStarted for what serves the job here: the ingress routes to it and the job shows it. A job with a tunnel engine
     * of its own then gets (or keeps, or moves to the new port) the engine's process, like the ingress's route.
     */
    private void announce(String jobId, Serving current) {
        events.emit(new AppStarted(jobId, node.id(), current.spec().alias(), current.commit(), current.containerId(),
                node.address(), current.hostPort()));
        TunnelSettings tunnel = current.spec().tunnel();
        if (TunnelSettings.needsProcess(tunnel)) {
            String token = tunnel.tokenRef() == null ? null : secretsByJob.getOrDefault(jobId, Map.of()).get(tunnel.tokenRef());
            tunnels.serve(jobId, current.spec().alias(), tunnel, token, current.hostPort(), tunnelHome(jobId));
        }
    }

    /**
     * The job's volumes (named, created once, kept across redeploys) and file volumes (written into the workspace,
     * mounted read-only).
     */
    private List<ContainerRuntime.Mount> mounts(String jobId, JobSpec spec) {
        List<ContainerRuntime.Mount> mounts = new java.util.ArrayList<>();
        for (var volume : spec.volumes()) {
            mounts.add(ContainerRuntime.Mount.volume(containers.volume(jobId, volume.name()), volume.mountPath()));
        }
        for (var file : spec.fileVolumes()) {
            // Checked before anything is written: the name becomes a path on the node.
            Path path = workspaceOf(jobId).resolve("files").resolve(JobIds.checkedName(file.name(), "file volume"));
            try {
                Files.createDirectories(path.getParent());
                Files.writeString(path, file.content());
            } catch (IOException e) {
                throw new IllegalStateException("cannot write file volume " + file.name() + ": " + e.getMessage(), e);
            }
            mounts.add(ContainerRuntime.Mount.workspace(path, file.mountPath(), true));
        }
        return mounts;
    }

    /** The job's latest build output, kept until the job stops. */
    private void keepBuildLog(String jobId, String log) {
        try {
            Files.createDirectories(workspaceOf(jobId));
            Files.writeString(workspaceOf(jobId).resolve("build.log"), log + "\n");
        } catch (IOException e) {
            LOG.warnf("job %s: build log not kept: %s", jobId, e.getMessage());
        }
    }

    /** The last lines of the job's latest build, or null if it has none here. */
    public String buildLog(String jobId, int lines) throws IOException {
        Path file = workspaceOf(jobId).resolve("build.log");
        if (!Files.exists(file)) {
            return null;
        }
        List<String> all = Files.readAllLines(file);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** The last lines of the serving app's output, or null if the job serves nothing here. */
    public String appLog(String jobId, int lines) {
        Serving current = serving.get(jobId);
        return current == null ? null : containers.logTail(current.containerId(), lines);
    }

    private void watch(String jobId, JobSpec spec, String commit) {
        if (spec.kind() == JobKind.WAR) {
            watcher.watch(jobId, spec.vcs().repositoryUrl(), spec.vcs().branch(), spec.vcs().pollIntervalSeconds(), commit,
                    credentials(jobId, spec));
        }
    }

    private void stopNow(String jobId, String reason) {
        watcher.unwatch(jobId);
        tunnels.stop(jobId, tunnelHome(jobId));
        secretsByJob.remove(jobId);
        serving.remove(jobId);
        for (String container : containers.containersOf(jobId)) {
            containers.remove(container);
        }
        containers.removeVolumesOf(jobId);
        deleteTree(workspaceOf(jobId));
        jobLocks.remove(jobId);
        events.emit(new JobStopped(jobId, node.id(), reason));
    }

    /** Null when healthy; otherwise why not. */
    String awaitHealthy(String container, int hostPort, HealthCheck check) {
        HealthCheck health = check == null ? new HealthCheck(HealthCheck.Mode.TCP, null, 0, 120, 10) : check;
        long deadline = System.nanoTime() + Duration.ofSeconds(health.initialDelaySeconds() + health.timeoutSeconds()).toNanos();
        sleep(Duration.ofSeconds(health.initialDelaySeconds()));
        if (health.mode() == HealthCheck.Mode.NONE) {
            return containers.isRunning(container) ? null : "app exited at start";
        }
        while (System.nanoTime() < deadline) {
            if (!containers.isRunning(container)) {
                return "app exited before it became healthy";
            }
            if (probe(hostPort, health)) {
                return null;
            }
            sleep(Duration.ofMillis(250));
        }
        return "health check (" + health.mode() + ") did not pass within " + health.timeoutSeconds() + " s";
    }

    static boolean probe(int port, HealthCheck health) {
        if (health.mode() == HealthCheck.Mode.HTTP) {
            try {
                HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + health.path()).toURL()
                        .openConnection();
                connection.setConnectTimeout(1000);
                connection.setReadTimeout(2000);
                int status = connection.getResponseCode();
                connection.disconnect();
                return status >= 200 && status < 400;
            } catch (IOException e) {
                return false;
            }
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            // A published port accepts connections as soon as the engine's proxy listens; a read tells whether the app
            // behind it is there (the proxy closes at once when it is not).
            socket.setSoTimeout(300);
            try {
                return socket.getInputStream().read() != -1;
            } catch (java.net.SocketTimeoutException quietButOpen) {
                return true;
            }
        } catch (IOException e) {
            return false;
        }
    }

    static boolean needsSecrets(JobSpec spec) {
        return !spec.secretEnvNames().isEmpty() || (spec.vcs() != null && spec.vcs().credentialsRef() != null)
                || (TunnelSettings.needsProcess(spec.tunnel()) && spec.tunnel().tokenRef() != null)
                || (spec.registry() != null && spec.registry().passwordRef() != null);
    }

    /**
     * Null when the job's image is in the engine to run; otherwise why it is not (the reason for AppFailed, which holds no
     * password). A deployment ({@code deploying}) of a job with a registry always pulls, so that it runs what the
     * registry holds under the reference now and the credentials are checked; otherwise only a missing image is pulled,
     * so a locally built image is used as it is and a restart does not change the version it runs.
     */
    private String prepareImage(String jobId, JobSpec spec, boolean deploying) {
        RegistryAuth registry = spec.registry();
        if (!(deploying && registry != null) && images.present(spec.image())) {
            return null;
        }
        ImagePuller.Login login = null;
        if (registry != null) {
            String password = registry.passwordRef() == null ? null
                    : secretsByJob.getOrDefault(jobId, Map.of()).get(registry.passwordRef());
            if (password == null) {
                return "deployment failed: the password for registry " + registry.server() + " (job secret "
                        + registry.passwordRef() + ") is not among the job's secrets on this node";
            }
            login = new ImagePuller.Login(registry.server(), registry.username(), password);
        }
        try {
            images.pull(spec.image(), login, node.pullTimeout());
            LOG.infof("job %s: pulled %s", jobId, spec.image());
            return null;
        } catch (ImagePuller.PullFailed e) {
            LOG.warnf("job %s: %s", jobId, e.getMessage());
            return "deployment failed: " + e.getMessage();
        }
    }

    private CredentialsProvider credentials(String jobId, JobSpec spec) {
        if (spec.vcs() == null || spec.vcs().credentialsRef() == null) {
            return null;
        }
        return GitClient.credentials(spec.vcs().username(), secretsByJob.getOrDefault(jobId, Map.of()).get(spec.vcs().credentialsRef()));
    }

    private Map<String, String> env(String jobId, JobSpec spec) {
        Map<String, String> env = new HashMap<>(spec.env());
        Map<String, String> secrets = secretsByJob.getOrDefault(jobId, Map.of());
        for (String name : spec.secretEnvNames()) {
            String value = secrets.get("env." + name);
            if (value != null) {
                env.put(name, value);
            }
        }
        env.put("DEEPLOY_JOB_ID", jobId);
        env.put("DEEPLOY_NODE_ID", node.id());
        env.put("PORT", String.valueOf(spec.port()));
        return env;
    }

    private Path workspaceOf(String jobId) {
        return Path.of(node.workDir(), "jobs", JobIds.checked(jobId));
    }

    /** The tunnel engine's home: its own, so that it reads no configuration of the node's user. */
    private Path tunnelHome(String jobId) {
        return workspaceOf(jobId).resolve("tunnel");
    }

    private static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.warnf("could not delete %s: %s", root, e.getMessage());
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
