package io.deeploy.builder.service;

import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.payload.HealthCheck;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Checks every serving app at its health check's interval, as it was checked before it was first announced: an app
 * whose process lives but no longer answers (a deadlock, a lost listener, an exhausted pool) fails
 * {@code liveness-failures} checks in a row and is then handed to its job's runner, which replaces it under the job's
 * restart policy and reports it. A check of mode {@code none} is not probed; the supervisor still sees an exit.
 */
@ApplicationScoped
public class AppLiveness {

    private static final Logger LOG = Logger.getLogger(AppLiveness.class);
    /** How often the due checks are looked for; a check's own interval is in whole seconds. */
    static final long TICK_MILLIS = 500;

    private final Reconciler reconciler;
    private final JobRunnerServices parts;
    private final int failuresAllowed;
    /** Per serving container: when it is next checked and how many checks in a row it failed. */
    private final Map<String, Watch> watches = new ConcurrentHashMap<>();

    private static final class Watch {
        volatile long nextAt;
        volatile int failures;
        volatile boolean probing;

        Watch(long nextAt) {
            this.nextAt = nextAt;
        }
    }

    public AppLiveness(Reconciler reconciler, JobRunnerServices parts, NodeConfig config) {
        this.reconciler = reconciler;
        this.parts = parts;
        this.failuresAllowed = Math.max(1, config.livenessFailures());
    }

    void start(@Observes StartupEvent startup) {
        parts.timer.scheduleWithFixedDelay(this::round, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Starts the checks that are due, each on a worker (a probe may wait seconds for a silent app). */
    void round() {
        try {
            Map<String, Serving> serving = reconciler.serving();
            watches.keySet().removeIf(container -> serving.values().stream().noneMatch(s -> s.containerId().equals(container)));
            long now = System.nanoTime();
            serving.forEach((jobId, current) -> {
                HealthCheck check = HealthCheck.orDefault(current.spec().healthCheck());
                if (check.mode() == HealthCheck.Mode.NONE) {
                    return;
                }
                long interval = TimeUnit.SECONDS.toNanos(Math.max(1, check.intervalSeconds()));
                // A container just announced passed its check at start: its first liveness check is one interval later.
                Watch watch = watches.computeIfAbsent(current.containerId(), id -> new Watch(now + interval));
                if (watch.probing || now - watch.nextAt < 0) {
                    return;
                }
                watch.probing = true;
                watch.nextAt = now + interval;
                parts.pool.execute(() -> check(jobId, current, check, watch));
            });
        } catch (RuntimeException e) {
            LOG.warnf("liveness round failed: %s", e.getMessage());
        }
    }

    private void check(String jobId, Serving current, HealthCheck check, Watch watch) {
        try {
            if (parts.health.probe(current.hostPort(), check)) {
                watch.failures = 0;
                return;
            }
            int failures = ++watch.failures;
            LOG.debugf("job %s: health check of %s failed (%d of %d)", jobId, current.containerId(), failures, failuresAllowed);
            if (failures >= failuresAllowed) {
                String reason = "health check (" + check.mode() + (check.path() == null ? "" : " " + check.path())
                        + ") failed " + failures + " times in a row, every " + Math.max(1, check.intervalSeconds()) + " s";
                LOG.warnf("job %s: %s; replacing container %s", jobId, reason, current.containerId());
                watches.remove(current.containerId());
                reconciler.containerUnhealthy(jobId, current.containerId(), reason);
            }
        } finally {
            watch.probing = false;
        }
    }
}
