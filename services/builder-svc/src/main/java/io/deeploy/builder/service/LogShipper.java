package io.deeploy.builder.service;

import io.deeploy.builder.client.ContainerLogs;
import io.deeploy.builder.client.GatewayClient;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.node.api.LogBatch;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Sends the output of the builds and apps on this node to the platform, which keeps it for whoever may read the job
 * ({@code GET /api/jobs/{id}/logs}): nobody needs this node's address to read it. Every tick it follows the container
 * serving each job (the app's output) and each running build a {@link WarBuilder} named ({@link #follow}), reads what
 * each wrote since the last line read, masks the job's secret values in it ({@link LogRedaction}), and sends it through
 * the gateway. What the gateway does not take yet is kept
 * (up to {@link #MAX_PENDING} lines a container, the oldest dropped first) and sent on the next tick; lines are
 * numbered by the engine's time stamps, so what is sent twice is kept once.
 */
@ApplicationScoped
public class LogShipper {

    private static final Logger LOG = Logger.getLogger(LogShipper.class);
    /** Lines of a container not yet taken by the platform that are kept here. */
    static final int MAX_PENDING = 5_000;
    /** How far back the output of a container first seen (or seen again after a restart) is read. */
    static final int FIRST_READ_LINES = 1_000;

    /** One container's output being sent: which job and source, the last line read, and what is not sent yet. */
    private static final class Followed {
        final String jobId;
        final String source;
        final String containerId;
        Long lastRead;
        boolean ended;
        final Deque<LogBatch.LogLine> pending = new ArrayDeque<>();
        /** The job's secret values seen while following it: kept, so that a line read after the job's stop is masked too. */
        final java.util.Set<String> secrets = new java.util.HashSet<>();

        Followed(String jobId, String source, String containerId) {
            this.jobId = jobId;
            this.source = source;
            this.containerId = containerId;
        }
    }

    private final ContainerLogs containers;
    private final JobSecrets secrets;
    private final GatewayClient gateway;
    private final Reconciler reconciler;
    private final NodeConfig config;
    private final Map<String, Followed> followed = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(JobRunnerServices.daemon("deeploy-logs"));

    public LogShipper(ContainerLogs containers, JobSecrets secrets, GatewayClient gateway, Reconciler reconciler,
            NodeConfig config) {
        this.containers = containers;
        this.secrets = secrets;
        this.gateway = gateway;
        this.reconciler = reconciler;
        this.config = config;
    }

    void start(@Observes StartupEvent startup) {
        long every = config.logShipInterval().toMillis();
        timer.scheduleWithFixedDelay(this::tickSafely, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent shutdown) {
        timer.shutdownNow();
    }

    /** A build container of the job started: its output is the job's build log from now on. */
    public void follow(String jobId, String source, String containerId) {
        followed.putIfAbsent(containerId, new Followed(jobId, source, containerId));
    }

    /**
     * The container is about to go (a build that ended): reads and sends what it wrote last, now, on the caller's thread.
     * What the gateway does not take is sent by a later tick.
     */
    public void finish(String containerId) {
        Followed container = followed.get(containerId);
        if (container != null) {
            synchronized (container) {
                read(container);
                container.ended = true;
                send(container);
            }
        }
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warnf("logs not sent this time: %s", e.getMessage());
        }
    }

    void tick() {
        Map<String, String> serving = reconciler.servingContainers();
        serving.forEach((jobId, containerId) -> follow(jobId, "app", containerId));
        for (Followed container : new ArrayList<>(followed.values())) {
            synchronized (container) {
                boolean current = !"app".equals(container.source) || container.containerId.equals(serving.get(container.jobId));
                if (!container.ended) {
                    read(container);
                    // An app container no longer serving has written its last line to the job's log.
                    container.ended = !current;
                }
                send(container);
                if (container.ended && container.pending.isEmpty()) {
                    followed.remove(container.containerId);
                }
            }
        }
    }

    private void read(Followed container) {
        List<LogBatch.LogLine> lines = containers.linesAfter(container.containerId, container.lastRead, FIRST_READ_LINES);
        container.secrets.addAll(secrets.values(container.jobId));
        for (LogBatch.LogLine line : lines) {
            String text = LogRedaction.redact(line.text(), container.secrets);
            // The mask may be longer than what it hides: still within what the gateway takes.
            container.pending.addLast(new LogBatch.LogLine(line.number(), line.at(),
                    text.length() > LogBatch.MAX_LINE_CHARS ? text.substring(0, LogBatch.MAX_LINE_CHARS) : text));
            container.lastRead = line.number();
        }
        while (container.pending.size() > MAX_PENDING) {
            container.pending.removeFirst();
        }
    }

    /** Sends the pending lines in batches the gateway takes; stops at the first one it does not, to try again later. */
    private void send(Followed container) {
        while (!container.pending.isEmpty()) {
            List<LogBatch.LogLine> batch = new ArrayList<>();
            int chars = 0;
            for (LogBatch.LogLine line : container.pending) {
                if (batch.size() == LogBatch.MAX_LINES || chars + line.text().length() > LogBatch.MAX_BATCH_CHARS) {
                    break;
                }
                batch.add(line);
                chars += line.text().length();
            }
            try {
                gateway.logs(container.jobId, new LogBatch(container.source, container.containerId, batch));
            } catch (GatewayClient.Refused e) {
                if (e.status() == 404 || e.status() == 400) {
                    // The job is not here any more (or the batch can never be taken): nothing of it will be.
                    LOG.debugf("job %s: %s log not taken: %s %s", container.jobId, container.source, e.code(), e.getMessage());
                    container.pending.clear();
                    container.ended = true;
                }
                return;
            } catch (IOException e) {
                return;
            }
            for (int i = 0; i < batch.size(); i++) {
                container.pending.removeFirst();
            }
        }
    }
}
