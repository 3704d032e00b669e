package io.deeploy.builder.service;

import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.payload.Resources;
import io.deeploy.node.api.Allocation;
import io.deeploy.node.api.AllocationHealth;
import io.deeploy.node.api.DesiredAllocations;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Makes the node match what the platform wants of it, whatever happened before: every allocation desired here gets a
 * {@link JobRunner} that drives its job there (run, or stop and confirm); a job on the node that is desired nowhere here
 * (its containers, volumes or workspace left by a crash, a stop that was confirmed, a move elsewhere) is cleared away.
 * It runs on every new desired state from the gateway and also on a timer, so drift (a container removed by hand) and
 * anything missed converge too. Nothing here acts on an event as it comes: the desired state is the only input.
 */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);

    private final JobRunnerServices parts;
    private final ContainerRuntime containers;
    private final Workspaces workspaces;
    private final RepoWatcher watcher;
    private final NodeConfig config;
    private final Map<String, JobRunner> runners = new ConcurrentHashMap<>();
    private volatile DesiredAllocations desired;

    public Reconciler(JobRunnerServices parts, ContainerRuntime containers, Workspaces workspaces, RepoWatcher watcher,
            NodeConfig config) {
        this.parts = parts;
        this.containers = containers;
        this.workspaces = workspaces;
        this.watcher = watcher;
        this.config = config;
    }

    @PostConstruct
    void listen() {
        watcher.onNewCommit(this::commitSeen);
    }

    void start(@Observes StartupEvent startup) {
        long every = config.reconcileInterval().toMillis();
        parts.timer.scheduleWithFixedDelay(() -> {
            try {
                reconcile();
            } catch (RuntimeException e) {
                LOG.warnf("reconciliation failed, tried again in %d ms: %s", every, e.getMessage());
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent shutdown) {
        parts.timer.shutdownNow();
        parts.pool.shutdownNow();
    }

    /** A new desired state (from the gateway, or the last one known when the agent starts): the node follows it. */
    public void apply(DesiredAllocations state) {
        desired = state;
        reconcile();
    }

    /** The desired state the node follows now; null until one is known. */
    public DesiredAllocations desired() {
        return desired;
    }

    synchronized void reconcile() {
        DesiredAllocations state = desired;
        if (state == null) {
            // Nothing is known yet of what the platform wants: touch nothing (an app may serve for a job still desired).
            return;
        }
        Map<String, Allocation> byJob = new LinkedHashMap<>();
        state.allocations().forEach(allocation -> byJob.put(allocation.jobId(), allocation));
        byJob.forEach((jobId, allocation) -> runners.computeIfAbsent(jobId, id -> new JobRunner(id, parts)).desire(allocation));
        for (Map.Entry<String, JobRunner> entry : new ArrayList<>(runners.entrySet())) {
            if (!byJob.containsKey(entry.getKey())) {
                JobRunner runner = entry.getValue();
                if (runner.stopped()) {
                    runners.remove(entry.getKey());
                } else {
                    runner.release();
                }
            }
        }
        // Left on the node by a crash, a stop confirmed before a restart, or a move: desired nowhere here, so cleared.
        Set<String> leftovers = new HashSet<>(workspaces.jobsWithWorkspace());
        containers.containersOfThisNode().forEach(container -> leftovers.add(container.jobId()));
        leftovers.addAll(parts.networks.jobsWithNetwork());
        leftovers.removeAll(byJob.keySet());
        leftovers.removeAll(runners.keySet());
        for (String jobId : leftovers) {
            LOG.warnf("job %s: not desired on this node; removing what is left of it", jobId);
            runners.computeIfAbsent(jobId, id -> new JobRunner(id, parts)).release();
        }
    }

    /** The job's branch moved (its watcher saw a new head). */
    void commitSeen(String jobId, String commit) {
        JobRunner runner = runners.get(jobId);
        if (runner != null) {
            runner.commitSeen(commit);
        }
    }

    /** The supervisor's news: the app container of a job stopped running. */
    void containerExited(String jobId, String containerId) {
        JobRunner runner = runners.get(jobId);
        if (runner != null) {
            runner.containerExited(containerId);
        }
    }

    /** The app container of a job failed its health check too many times in a row. */
    void containerUnhealthy(String jobId, String containerId, String reason) {
        JobRunner runner = runners.get(jobId);
        if (runner != null) {
            runner.containerUnhealthy(containerId, reason);
        }
    }

    /** What serves, by job, for the liveness checks. */
    Map<String, Serving> serving() {
        Map<String, Serving> serving = new LinkedHashMap<>();
        runners.forEach((jobId, runner) -> {
            Serving current = runner.serving();
            if (current != null) {
                serving.put(jobId, current);
            }
        });
        return serving;
    }

    /** The containers that serve, by job: for the supervisor, and whose output is the jobs' app logs. */
    Map<String, String> servingContainers() {
        Map<String, String> serving = new LinkedHashMap<>();
        runners.forEach((jobId, runner) -> {
            Serving current = runner.serving();
            if (current != null) {
                serving.put(jobId, current.containerId());
            }
        });
        return serving;
    }

    /** How each allocation desired here fares, for the heartbeat. */
    public List<AllocationHealth> health() {
        DesiredAllocations state = desired;
        if (state == null) {
            return List.of();
        }
        List<AllocationHealth> health = new ArrayList<>();
        for (Allocation allocation : state.allocations()) {
            JobRunner runner = runners.get(allocation.jobId());
            if (allocation.desired() == Allocation.Desired.RUN && runner != null) {
                health.add(runner.health());
            }
        }
        return health;
    }

    /** The resources the allocations to run here hold. */
    public List<Resources> held() {
        DesiredAllocations state = desired;
        return state == null ? List.of() : state.allocations().stream()
                .filter(allocation -> allocation.desired() == Allocation.Desired.RUN)
                .map(allocation -> allocation.spec().resources()).toList();
    }

    /** What serves the job here now, for its logs; null when nothing does. */
    public String servingContainer(String jobId) {
        JobRunner runner = runners.get(jobId);
        Serving current = runner == null ? null : runner.serving();
        return current == null ? null : current.containerId();
    }
}
