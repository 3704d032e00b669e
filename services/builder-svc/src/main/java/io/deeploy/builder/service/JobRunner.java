package io.deeploy.builder.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.builder.client.TunnelContainers;
import io.deeploy.events.Backoff;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.AppFailed;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.RestartPolicy;
import io.deeploy.events.payload.TunnelSettings;
import io.deeploy.node.api.Allocation;
import io.deeploy.node.api.AllocationHealth;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * One job on this node, driven towards what the platform wants of it (its desired {@link Allocation}) as Nomad's alloc
 * runner is: run its spec (adopt a healthy container already there, or build and start one, and redeploy without
 * downtime on a new commit or spec), restart its app under its restart policy when it exits, and when it is to stop,
 * stop everything of it and confirm. Whatever asks (the reconciler, the repository watcher, the supervisor) only
 * enqueues; the job's work runs one task at a time, so the job never does two things at once, while other jobs go on
 * side by side. Restarts are scheduled, never slept; a stop cuts a running build short.
 */
final class JobRunner {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);
    private static final ObjectMapper DIGEST_JSON = EventCodec.mapper().copy().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    enum Phase {
        /** Nothing done yet. */
        IDLE,
        /** Building, pulling or starting with nothing serving. */
        DEPLOYING,
        /** An app passed its health check and serves. */
        SERVING,
        /** Nothing serves; a restart is scheduled. */
        WAITING_RETRY,
        /** Nothing serves and nothing will until the job's commit or spec changes. */
        FAILED,
        /** Stopped here; its stop confirmed if it was asked for. */
        STOPPED
    }

    private final String jobId;
    private final JobRunnerServices parts;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean draining;
    private boolean convergeQueued;

    private volatile Allocation desired;
    private volatile Serving serving;
    private volatile Phase phase = Phase.IDLE;
    private volatile Cancellation cancellation;
    private volatile ScheduledFuture<?> retry;
    private long announcedPlacement = -1;
    private long stopReportedFor = -1;
    private boolean adoptionTried;
    /** A commit whose build failed: not built again; the next commit gets its chance. */
    private String failedCommit;
    /**
     * A spec whose deployment failed with nothing serving: not deployed again on every reconciliation, only by its
     * scheduled retry (restart policy), a new commit or a new spec.
     */
    private String failedSpecDigest;
    private int failures;

    JobRunner(String jobId, JobRunnerServices parts) {
        this.jobId = jobId;
        this.parts = parts;
    }

    // --- asked from other threads -------------------------------------------------------------------------------------

    /** What the platform now wants of the job here. A stop also cuts short what is under way. */
    void desire(Allocation allocation) {
        desired = allocation;
        if (allocation.desired() == Allocation.Desired.STOP) {
            interruptWork();
        }
        converge();
    }

    /** The job is no longer allocated here at all (its stop was confirmed, or it never was): clear what is left, quietly. */
    void release() {
        desired = null;
        interruptWork();
        converge();
    }

    /** The job's branch moved. */
    void commitSeen(String commit) {
        enqueue(() -> onNewCommit(commit));
    }

    /** The supervisor found the app's container no longer running. */
    void containerExited(String containerId) {
        enqueue(() -> onExit(containerId));
    }

    /** The app's container runs but failed its health check too many times in a row ({@link AppLiveness}). */
    void containerUnhealthy(String containerId, String reason) {
        enqueue(() -> onUnhealthy(containerId, reason));
    }

    /** Stopped and nothing more to do: the reconciler may forget it once the platform no longer lists the job. */
    boolean stopped() {
        return phase == Phase.STOPPED;
    }

    Allocation desired() {
        return desired;
    }

    Serving serving() {
        return serving;
    }

    AllocationHealth health() {
        Allocation want = desired;
        Serving current = serving;
        AllocationHealth.Health health;
        if (want == null || want.desired() == Allocation.Desired.STOP) {
            health = AllocationHealth.Health.STOPPING;
        } else if (current != null && phase != Phase.WAITING_RETRY) {
            health = AllocationHealth.Health.SERVING;
        } else if (phase == Phase.FAILED || phase == Phase.WAITING_RETRY) {
            health = AllocationHealth.Health.FAILED;
        } else {
            health = AllocationHealth.Health.STARTING;
        }
        return new AllocationHealth(jobId, want == null ? 0 : want.placement(), health, current == null ? null : current.version());
    }

    // --- the job's own queue ------------------------------------------------------------------------------------------

    private void converge() {
        synchronized (queue) {
            if (convergeQueued) {
                return;
            }
            convergeQueued = true;
        }
        enqueue(() -> {
            synchronized (queue) {
                convergeQueued = false;
            }
            convergeNow();
        });
    }

    private void enqueue(Runnable task) {
        synchronized (queue) {
            queue.add(task);
            if (draining) {
                return;
            }
            draining = true;
        }
        parts.pool.execute(this::drain);
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (queue) {
                next = queue.poll();
                if (next == null) {
                    draining = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (RuntimeException e) {
                // An engine or workspace failure (a missing image, a full disk) must not leave the job silently starting.
                LOG.errorf(e, "job %s: deployment failed", jobId);
                Allocation want = desired;
                cancellation = null;
                if (want != null && want.desired() == Allocation.Desired.RUN) {
                    failures++;
                    parts.reports.report(jobId, want.placement(), new AppFailed(jobId, parts.node.id(),
                            serving == null ? null : serving.version(), "deployment failed: " + e.getMessage(), "", failures));
                    if (serving == null) {
                        scheduleRetry(null);
                    }
                }
            }
        }
    }

    private void interruptWork() {
        Cancellation current = cancellation;
        if (current != null) {
            current.cancel();
        }
        ScheduledFuture<?> pending = retry;
        if (pending != null) {
            pending.cancel(false);
            retry = null;
        }
    }

    // --- converging (on the job's queue only) -------------------------------------------------------------------------

    private void convergeNow() {
        Allocation want = desired;
        if (want == null || want.desired() == Allocation.Desired.STOP) {
            stopHere(want);
            return;
        }
        String digest = digest(want.spec());
        Serving current = serving;
        if (current != null && current.specDigest().equals(digest)) {
            if (want.placement() != announcedPlacement) {
                // Placed anew (on this node again): say again that it serves here, so the job does not stay scheduled.
                announce(current, want.placement());
            }
            return;
        }
        if (phase == Phase.STOPPED) {
            phase = Phase.IDLE;
        }
        if (current == null && !adoptionTried) {
            adoptionTried = true;
            if (adopt(want, digest)) {
                return;
            }
        }
        if (retry != null || digest.equals(failedSpecDigest)) {
            // A restart is scheduled, or the deployment failed: its retry, a new commit or a new spec starts it again.
            return;
        }
        deploy(want, digest, current);
    }

    /** The scheduled retry of a failed deployment. */
    private void retryDeploy() {
        failedSpecDigest = null;
        Allocation want = desired;
        if (want == null || want.desired() != Allocation.Desired.RUN) {
            convergeNow();
            return;
        }
        Serving current = serving;
        String digest = digest(want.spec());
        if (current == null || !current.specDigest().equals(digest)) {
            deploy(want, digest, current);
        }
    }

    private void onNewCommit(String commit) {
        Allocation want = desired;
        Serving current = serving;
        if (want == null || want.desired() != Allocation.Desired.RUN || want.spec().kind() != JobKind.WAR
                || want.spec().vcs().pinned() // rolled back: auto-deploy is paused until the job is resumed
                || commit.equals(failedCommit) || (current != null && commit.equals(current.version()))) {
            return;
        }
        failedSpecDigest = null;
        deploy(want, digest(want.spec()), current);
    }

    /**
     * Builds (WAR) and starts the job's spec beside what serves ({@code current}, maybe null), switches traffic to it once
     * it is healthy (AppStarted) and retires the old container after the drain delay. A failure leaves the old version
     * serving and says why.
     */
    private void deploy(Allocation want, String digest, Serving current) {
        JobSpec spec = want.spec();
        long placement = want.placement();
        Cancellation cancel = new Cancellation(parts.containers);
        cancellation = cancel;
        if (current == null) {
            phase = Phase.DEPLOYING;
        }
        try {
            parts.secrets.load(jobId, spec);
        } catch (JobSecrets.Unavailable e) {
            failed(want, current, null, "deployment failed: " + e.getMessage(), "");
            return;
        }
        String version;
        Path buildDir = null;
        if (spec.kind() == JobKind.WAR) {
            WarBuilder.Fetch fetch = parts.builder.fetch(jobId, placement, spec,
                    current != null && current.specDigest().equals(digest) ? current.version() : null);
            if (fetch instanceof WarBuilder.FetchFailed) {
                keepServingOrFail(spec, current, null);
                return;
            }
            WarBuilder.Fetched fetched = (WarBuilder.Fetched) fetch;
            if (fetched.directory() == null) {
                return;
            }
            if (fetched.commit().equals(failedCommit)) {
                Workspaces.deleteTree(fetched.directory());
                keepServingOrFail(spec, current, fetched.commit());
                return;
            }
            String missing = parts.images.prepare(jobId, spec, true);
            if (missing != null) {
                Workspaces.deleteTree(fetched.directory());
                failed(want, current, fetched.commit(), missing, "");
                return;
            }
            if (!parts.builder.build(jobId, placement, spec, fetched, cancel)) {
                if (!cancel.cancelled()) {
                    failedCommit = fetched.commit();
                    keepServingOrFail(spec, current, fetched.commit());
                }
                return;
            }
            version = fetched.commit();
            buildDir = fetched.directory();
        } else {
            String missing = parts.images.prepare(jobId, spec, true);
            if (missing != null) {
                failed(want, current, spec.image(), missing, "");
                return;
            }
            version = spec.image();
        }
        if (cancel.cancelled()) {
            Workspaces.deleteTree(buildDir);
            return;
        }
        AppLauncher.Launch launch = parts.launcher.launch(jobId, spec, version, buildDir, digest);
        if (launch instanceof AppLauncher.Unhealthy unhealthy) {
            Workspaces.deleteTree(buildDir);
            failed(want, current, version, unhealthy.reason(), unhealthy.logTail());
            return;
        }
        AppLauncher.Healthy healthy = (AppLauncher.Healthy) launch;
        if (cancel.cancelled()) {
            parts.containers.remove(healthy.containerId());
            Workspaces.deleteTree(buildDir);
            return;
        }
        Serving next = new Serving(spec, digest, version, healthy.containerId(), healthy.hostPort(), buildDir, 0, Instant.now());
        serving = next;
        phase = Phase.SERVING;
        failures = 0;
        failedSpecDigest = null;
        cancellation = null;
        LOG.infof("job %s serves %s on %s:%d", jobId, version, parts.node.publishAddress(), healthy.hostPort());
        // Traffic moves to the new container when the ingress takes this report; the old one serves until then.
        announce(next, placement);
        watch(spec, version);
        if (current != null) {
            retireLater(current);
        }
    }

    /** A failed build keeps what serves serving; with nothing serving the job has failed until its next commit. */
    private void keepServingOrFail(JobSpec spec, Serving current, String commit) {
        cancellation = null;
        if (current != null) {
            phase = Phase.SERVING;
            String digest = digest(spec);
            if (!digest.equals(current.specDigest())) {
                // A new spec that could not be deployed is not fetched again on every reconciliation: a new commit or a
                // new revision (a redeploy) tries again.
                failedSpecDigest = digest;
            }
            watch(spec, current.version());
        } else {
            phase = Phase.FAILED;
            failedSpecDigest = digest(spec);
            watch(spec, commit);
        }
    }

    /**
     * A start that failed: said (AppFailed). What serves keeps serving, and the version that failed waits for the next
     * commit or spec; with nothing serving it is tried again under the restart policy.
     */
    private void failed(Allocation want, Serving current, String version, String reason, String logTail) {
        cancellation = null;
        failures++;
        parts.reports.report(jobId, want.placement(), new AppFailed(jobId, parts.node.id(), version, reason, logTail, failures));
        failedSpecDigest = digest(want.spec());
        if (current != null) {
            phase = Phase.SERVING;
            if (want.spec().kind() == JobKind.WAR && version != null) {
                failedCommit = version;
            }
            watch(want.spec(), current.version());
            return;
        }
        if (want.spec().kind() == JobKind.WAR && version != null) {
            watch(want.spec(), version);
        }
        if (RestartPolicy.of(want.spec().restartPolicy()).restarts(null)) {
            scheduleRetry(null);
        } else {
            phase = Phase.FAILED;
        }
    }

    /** Starts again after the backoff of the failures so far: {@code crashed}'s build when given, else a new deployment. */
    private void scheduleRetry(Serving crashed) {
        phase = Phase.WAITING_RETRY;
        Duration backoff = new Backoff(parts.node.restartBackoffInitial(), parts.node.restartBackoffMax()).after(failures);
        LOG.warnf("job %s: starting again in %d ms (failure %d)", jobId, backoff.toMillis(), failures);
        retry = parts.timer.schedule(() -> enqueue(() -> {
            retry = null;
            if (crashed != null) {
                restart(crashed);
            } else {
                retryDeploy();
            }
        }), backoff.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The app's container exited on its own (health after start, which the seed system never checked): said (AppFailed
     * with its exit code and last output) and started again under the restart policy, with backoff.
     */
    private void onExit(String containerId) {
        Serving crashed = servingIn(containerId);
        if (crashed != null) {
            Long exit = parts.containers.exitCode(containerId);
            failed(crashed, exit, exit == null ? "app container is gone" : "app exited with code " + exit);
        }
    }

    /**
     * The app's container runs but does not answer its health check: it is removed, said (AppFailed), and started again
     * under the restart policy as if it had failed (on-failure restarts it too).
     */
    private void onUnhealthy(String containerId, String reason) {
        Serving sick = servingIn(containerId);
        if (sick != null) {
            failed(sick, null, reason);
        }
    }

    /** What serves the job now, if it is {@code containerId} and the job is still to run here; else null. */
    private Serving servingIn(String containerId) {
        Serving current = serving;
        Allocation want = desired;
        if (current == null || !current.containerId().equals(containerId) || want == null
                || want.desired() != Allocation.Desired.RUN) {
            return null;
        }
        return current;
    }

    private void failed(Serving crashed, Long exit, String reason) {
        Allocation want = desired;
        String tail = parts.containers.logTail(crashed.containerId(), AppLauncher.LOG_TAIL_LINES);
        parts.containers.remove(crashed.containerId());
        serving = null;
        failures = crashed.since().plus(parts.node.restartBackoffReset()).isBefore(Instant.now()) ? 1 : crashed.restarts() + 1;
        parts.reports.report(jobId, want.placement(), new AppFailed(jobId, parts.node.id(), crashed.version(), reason, tail, failures));
        if (!RestartPolicy.of(crashed.spec().restartPolicy()).restarts(exit)) {
            // Nothing will serve behind it again.
            parts.tunnels.stop(jobId);
            phase = Phase.FAILED;
            failedSpecDigest = crashed.specDigest();
            return;
        }
        scheduleRetry(crashed);
    }

    /** Starts the crashed app's version again (a restart runs the image and build it ran; only a gone image is pulled). */
    private void restart(Serving crashed) {
        Allocation want = desired;
        if (want == null || want.desired() != Allocation.Desired.RUN || serving != null
                || !digest(want.spec()).equals(crashed.specDigest())) {
            convergeNow();
            return;
        }
        String missing = parts.images.prepare(jobId, crashed.spec(), false);
        AppLauncher.Launch launch = missing != null ? new AppLauncher.Unhealthy(missing, "")
                : parts.launcher.launch(jobId, crashed.spec(), crashed.version(), crashed.buildDir(), crashed.specDigest());
        if (launch instanceof AppLauncher.Unhealthy unhealthy) {
            failures++;
            parts.reports.report(jobId, want.placement(), new AppFailed(jobId, parts.node.id(), crashed.version(), unhealthy.reason(),
                    unhealthy.logTail(), failures));
            scheduleRetry(crashed);
            return;
        }
        AppLauncher.Healthy healthy = (AppLauncher.Healthy) launch;
        Serving restarted = new Serving(crashed.spec(), crashed.specDigest(), crashed.version(), healthy.containerId(),
                healthy.hostPort(), crashed.buildDir(), failures, Instant.now());
        serving = restarted;
        phase = Phase.SERVING;
        LOG.infof("job %s restarted (%d) on %s:%d", jobId, failures, parts.node.publishAddress(), healthy.hostPort());
        announce(restarted, want.placement());
    }

    /**
     * After an agent restart: the newest running, healthy app container of this spec is adopted as it is (no rebuild, no
     * downtime), and announced again so that the route points at it; every other container of the job is removed.
     */
    private boolean adopt(Allocation want, String digest) {
        List<ContainerRuntime.Found> found = parts.containers.containersOfThisNode().stream()
                .filter(c -> jobId.equals(c.jobId())).toList();
        if (found.isEmpty()) {
            return false;
        }
        ContainerRuntime.Found adopted = null;
        int hostPort = 0;
        for (ContainerRuntime.Found candidate : found.stream().filter(c -> "app".equals(c.role()) && c.running()
                && digest.equals(c.specDigest())).sorted(Comparator.comparingLong(ContainerRuntime.Found::created).reversed()).toList()) {
            Integer port = parts.containers.publishedPortOrNull(candidate.id(), want.spec().port());
            if (port != null && parts.health.probe(port, want.spec().healthCheck())) {
                adopted = candidate;
                hostPort = port;
                break;
            }
        }
        ContainerRuntime.Found keep = adopted;
        // Beside an adopted app, its tunnel sidecar is the tunnel manager's to keep (if still the right one) or replace.
        found.stream().filter(c -> keep == null || !(c.id().equals(keep.id()) || TunnelContainers.ROLE.equals(c.role())))
                .forEach(c -> parts.containers.remove(c.id()));
        if (adopted == null) {
            LOG.infof("job %s: nothing healthy left running here; deploying again", jobId);
            return false;
        }
        try {
            parts.secrets.load(jobId, want.spec());
        } catch (JobSecrets.Unavailable e) {
            LOG.warnf("job %s: secrets unavailable after restart (%s); a restart of its app would lack them", jobId, e.getMessage());
        }
        Path buildDir = adopted.workspace() == null || adopted.workspace().isEmpty() ? null : Path.of(adopted.workspace());
        Serving current = new Serving(want.spec(), digest, adopted.version(), adopted.id(), hostPort, buildDir, 0, Instant.now());
        serving = current;
        phase = Phase.SERVING;
        LOG.infof("job %s adopted: %s serving on %s:%d", jobId, adopted.version(), parts.node.publishAddress(), hostPort);
        announce(current, want.placement());
        watch(want.spec(), adopted.version());
        return true;
    }

    /** Stops everything of the job here; a stop the platform asked for is confirmed (JobStopped), once per placement. */
    private void stopHere(Allocation stop) {
        interruptWork();
        cancellation = null;
        boolean hadSomething = serving != null || phase != Phase.STOPPED;
        parts.watcher.unwatch(jobId);
        parts.tunnels.stop(jobId);
        parts.secrets.forget(jobId);
        serving = null;
        for (String container : parts.containers.containersOf(jobId)) {
            parts.containers.remove(container);
        }
        parts.containers.removeVolumesOf(jobId);
        parts.networks.remove(jobId);
        Workspaces.deleteTree(parts.workspaces.of(jobId));
        if (stop != null && stop.placement() != stopReportedFor) {
            stopReportedFor = stop.placement();
            LOG.infof("job %s stopped on this node", jobId);
            parts.reports.report(jobId, stop.placement(), new JobStopped(jobId, parts.node.id(), "stopped on node " + parts.node.id()));
        } else if (hadSomething && stop == null) {
            LOG.infof("job %s: removed what was left of it on this node", jobId);
        }
        phase = Phase.STOPPED;
        announcedPlacement = -1;
        adoptionTried = false;
        failedCommit = null;
        failedSpecDigest = null;
        failures = 0;
    }

    /** AppStarted for what serves the job here, and its tunnel engine (if it has one) beside its container. */
    private void announce(Serving current, long placement) {
        announcedPlacement = placement;
        parts.reports.report(jobId, placement, new AppStarted(jobId, parts.node.id(), current.spec().alias(), current.version(),
                current.containerId(), parts.node.publishAddress(), current.hostPort(), current.spec().revision()));
        TunnelSettings tunnel = current.spec().tunnel();
        if (TunnelSettings.needsProcess(tunnel)) {
            parts.tunnels.serve(jobId, placement, current.spec().alias(), tunnel, parts.secrets.get(jobId, tunnel.tokenRef()),
                    current.containerId(), current.spec().port());
        } else {
            // A redeploy that dropped its tunnel: the sidecar beside the old version goes with it.
            parts.tunnels.stop(jobId);
        }
    }

    private void watch(JobSpec spec, String commit) {
        if (spec.kind() == JobKind.WAR && spec.vcs().pinned()) {
            parts.watcher.unwatch(jobId);
        } else if (spec.kind() == JobKind.WAR && commit != null) {
            parts.watcher.watch(jobId, spec.vcs().repositoryUrl(), spec.vcs().branch(), spec.vcs().pollIntervalSeconds(), commit,
                    parts.secrets.gitCredentials(jobId, spec));
        }
    }

    /** The old version goes after the drain delay, for requests still in flight: scheduled, not slept. */
    private void retireLater(Serving old) {
        parts.timer.schedule(() -> {
            parts.containers.remove(old.containerId());
            Serving now = serving;
            if (old.buildDir() != null && (now == null || !old.buildDir().equals(now.buildDir()))) {
                Workspaces.deleteTree(old.buildDir());
            }
        }, parts.node.drainDelay().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The spec's digest: the same spec gives the same digest wherever it was serialised (map entries sorted). */
    static String digest(JobSpec spec) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(DIGEST_JSON.writeValueAsBytes(spec)))
                    .substring(0, 32);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot digest a job spec", e);
        }
    }
}
