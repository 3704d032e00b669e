package io.deeploy.builder.service;

import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.builder.client.GitClient;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.Event;
import io.deeploy.events.EventPayload;
import io.deeploy.events.payload.AppFailed;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.BuildCompleted;
import io.deeploy.events.payload.BuildStarted;
import io.deeploy.events.payload.HealthCheck;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.outbox.Outbox;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.vertx.VertxContextSupport;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Builds and runs the jobs assigned to this node: clone (WAR), build in a throw-away container, run the app in its own
 * container with the job's limits, publish its port on loopback, and gate on the health check before announcing it.
 * Work for one job is serialised; a stop cancels a deployment between its phases. Status events go through the
 * outbox, each in its own transaction.
 */
@ApplicationScoped
public class Deployer {

    private static final Logger LOG = Logger.getLogger(Deployer.class);
    static final int LOG_TAIL_LINES = 40;

    private final ContainerRuntime containers;
    private final GitClient git;
    private final Outbox outbox;
    private final NodeConfig node;
    private final ExecutorService workers = Executors.newFixedThreadPool(2, runnable -> {
        Thread thread = new Thread(runnable, "deeploy-deployer");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Object> jobLocks = new ConcurrentHashMap<>();
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();

    public Deployer(ContainerRuntime containers, GitClient git, Outbox outbox, NodeConfig node) {
        this.containers = containers;
        this.git = git;
        this.outbox = outbox;
        this.node = node;
    }

    void shutdown(@Observes ShutdownEvent event) {
        workers.shutdownNow();
    }

    public void deploy(String jobId, JobSpec spec) {
        cancelled.remove(jobId);
        workers.submit(() -> withJobLock(jobId, () -> deployNow(jobId, spec)));
    }

    public void stop(String jobId, String reason) {
        cancelled.add(jobId);
        workers.submit(() -> withJobLock(jobId, () -> stopNow(jobId, reason)));
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
        String buildId = "build-" + UUID.randomUUID();
        Path workspace = null;
        String commit = spec.image();
        long started = System.nanoTime();
        List<String> commands = spec.commands();
        if (spec.kind() == JobKind.WAR) {
            workspace = workspaceOf(jobId).resolve(buildId);
            try {
                Files.createDirectories(workspace.getParent());
                commit = git.cloneBranch(spec.vcs().repositoryUrl(), spec.vcs().branch(), workspace);
            } catch (Exception e) {
                emit(new BuildStarted(jobId, node.id(), buildId, "unknown"));
                emit(new BuildCompleted(jobId, node.id(), buildId, "unknown", false, millisSince(started),
                        "clone of " + spec.vcs().repositoryUrl() + " (" + spec.vcs().branch() + ") failed: " + e.getMessage(), ""));
                return;
            }
            emit(new BuildStarted(jobId, node.id(), buildId, commit));
            if (commands.size() > 1) {
                String script = String.join(" && ", commands.subList(0, commands.size() - 1));
                String builder = containers.start(new ContainerRuntime.Spec(jobId, "build", spec.image(), List.of("sh", "-c", script),
                        workspace, env(jobId, spec), spec.resources(), null));
                Integer exit = containers.awaitExit(builder, node.buildTimeout());
                String tail = containers.logTail(builder, LOG_TAIL_LINES);
                containers.remove(builder);
                if (exit == null || exit != 0) {
                    emit(new BuildCompleted(jobId, node.id(), buildId, commit, false, millisSince(started),
                            exit == null ? "build timed out after " + node.buildTimeout() : "build command exited with " + exit, tail));
                    return;
                }
            }
            emit(new BuildCompleted(jobId, node.id(), buildId, commit, true, millisSince(started), null, null));
        }
        if (cancelled.contains(jobId)) {
            return;
        }
        List<String> run = commands.isEmpty() ? List.of() : List.of("sh", "-c", "exec " + commands.get(commands.size() - 1));
        String app = containers.start(new ContainerRuntime.Spec(jobId, "app", spec.image(), run, workspace, env(jobId, spec),
                spec.resources(), spec.port()));
        int hostPort = containers.publishedPort(app, spec.port());
        String failure = awaitHealthy(app, hostPort, spec.healthCheck());
        if (failure != null) {
            String tail = containers.logTail(app, LOG_TAIL_LINES);
            containers.remove(app);
            emit(new AppFailed(jobId, node.id(), commit, failure, tail, 0));
            return;
        }
        LOG.infof("job %s serves %s on 127.0.0.1:%d", jobId, commit, hostPort);
        emit(new AppStarted(jobId, node.id(), spec.alias(), commit, app, node.address(), hostPort));
    }

    private void stopNow(String jobId, String reason) {
        for (String container : containers.containersOf(jobId)) {
            containers.remove(container);
        }
        deleteTree(workspaceOf(jobId));
        jobLocks.remove(jobId);
        emit(new JobStopped(jobId, node.id(), reason));
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

    private Map<String, String> env(String jobId, JobSpec spec) {
        Map<String, String> env = new HashMap<>(spec.env());
        env.put("DEEPLOY_JOB_ID", jobId);
        env.put("DEEPLOY_NODE_ID", node.id());
        env.put("PORT", String.valueOf(spec.port()));
        return env;
    }

    private Path workspaceOf(String jobId) {
        return Path.of(node.workDir(), "jobs", jobId);
    }

    private void emit(EventPayload payload) {
        Event<?> event = Event.of(payload);
        try {
            VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> outbox.enqueue(event)));
        } catch (Throwable e) {
            LOG.errorf("job %s: could not record %s: %s", payload.key(), event.type(), e.getMessage());
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
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
