package io.deeploy.builder.service;

import io.deeploy.builder.client.TunnelContainers;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.builder.config.TunnelConfig;
import io.deeploy.events.Backoff;
import io.deeploy.events.payload.TunnelFailed;
import io.deeploy.events.payload.TunnelReady;
import io.deeploy.events.payload.TunnelSettings;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Keeps the cloudflared or ngrok engine of each job that asks for one running in a sidecar container that shares the
 * app container's network namespace ({@link TunnelContainers}), so that a tunnel its owner reconfigures remotely reaches
 * that app only. The engine's token is in the sidecar's environment only; its public URL is read from its output and
 * announced (TunnelReady). An engine that exits is started again with backoff; one that cannot start or exits is reported
 * once per failure (TunnelFailed) while the app keeps serving through the built-in ingress. A new app container (a
 * redeploy, a restart) gets a new sidecar; a stop removes it. The sidecars outlive the agent like the apps do: a later
 * run of the agent keeps one that is still the right one (same digest label) and watches it again.
 */
@ApplicationScoped
public class TunnelManager {

    private static final Logger LOG = Logger.getLogger(TunnelManager.class);
    static final int TAIL_LINES = 8;
    /** An engine that served this long before it exited starts its backoff afresh. */
    static final Duration STABLE = Duration.ofMinutes(1);
    /** Longest a stop waits for a job's watching thread before it removes the sidecars (a start under way ends first). */
    static final Duration THREAD_END = Duration.ofSeconds(10);

    private final TunnelConfig config;
    private final ReportSpool reports;
    private final NodeConfig node;
    private final TunnelContainers containers;
    private final Map<String, Runner> runners = new ConcurrentHashMap<>();

    public TunnelManager(TunnelConfig config, ReportSpool reports, NodeConfig node, TunnelContainers containers) {
        this.config = config;
        this.reports = reports;
        this.node = node;
        this.containers = containers;
    }

    /** The data plane outlives the agent: the sidecars stay (the next run adopts them); only the watching ends. */
    void shutdown(@Observes ShutdownEvent event) {
        runners.values().forEach(Runner::detach);
        runners.values().forEach(runner -> runner.awaitEnd(Duration.ofSeconds(2)));
        runners.clear();
    }

    /**
     * Keeps the job's engine in a sidecar of app container {@code appContainerId}, pointed at {@code appPort} (the app's
     * port inside its container): nothing changes when the running sidecar already is that one, otherwise it is
     * replaced. {@code token} is the engine's token from the job's secrets, null for a quick tunnel; {@code placement}
     * is the allocation its reports are about. Blocking: call from the job's worker thread.
     */
    public void serve(String jobId, long placement, String alias, TunnelSettings settings, String token, String appContainerId,
            int appPort) {
        if (settings.tokenRef() != null && token == null) {
            stop(jobId);
            reports.report(jobId, placement, new TunnelFailed(jobId, node.id(), settings.engine(), "its token (job secret "
                    + settings.tokenRef() + ") could not be read on this node"));
            return;
        }
        String image = TunnelSettings.CLOUDFLARE.equals(settings.engine()) ? config.cloudflaredImage() : config.ngrokImage();
        TunnelEngine engine;
        try {
            engine = TunnelEngine.of(settings, token, image, appPort);
        } catch (IllegalArgumentException e) {
            stop(jobId);
            reports.report(jobId, placement, new TunnelFailed(jobId, node.id(), settings.engine(), e.getMessage()));
            return;
        }
        TunnelContainers.Sidecar sidecar = new TunnelContainers.Sidecar(jobId, engine.image(), engine.imageSetting(),
                engine.args(), engine.env(), appContainerId);
        String digest = sidecar.digest();
        Runner current = runners.get(jobId);
        if (current != null && current.digest.equals(digest)) {
            current.placement = placement;
            return;
        }
        if (current != null) {
            // Its sidecar is removed by the new runner, after this one's thread ended (it may be starting one).
            current.stop();
        }
        Runner runner = new Runner(jobId, placement, alias, engine, sidecar, digest, token, appPort, current);
        runners.put(jobId, runner);
        runner.thread.start();
    }

    /** Ends the job's engine and removes its sidecars here, also ones left by an earlier run of the agent. Blocking. */
    public void stop(String jobId) {
        Runner runner = runners.remove(jobId);
        if (runner != null) {
            runner.stop();
            runner.awaitEnd(THREAD_END);
        }
        for (TunnelContainers.Found sidecar : containers.of(jobId)) {
            containers.remove(sidecar.id(), config.stopGrace());
        }
    }

    /** One job's engine: a thread that starts its sidecar (or adopts one), reads its output, and starts it again when it exits. */
    private final class Runner {

        final String jobId;
        volatile long placement;
        final String alias;
        final TunnelEngine engine;
        final TunnelContainers.Sidecar sidecar;
        final String digest;
        final String token;
        final int appPort;
        /** The runner this one replaces; its thread must have ended before the sidecars are cleared. */
        private Runner previous;
        final Thread thread;
        volatile boolean stopped;
        /** Stopped because the agent shuts down: a sidecar it is starting is left running, as all the others are. */
        volatile boolean detached;
        /** The public URL the current sidecar announced, null until it does. */
        volatile String url;
        /** Whether the current failure was reported already (once per failure, until the engine serves again). */
        volatile boolean reported;
        private volatile Closeable following;

        Runner(String jobId, long placement, String alias, TunnelEngine engine, TunnelContainers.Sidecar sidecar, String digest,
                String token, int appPort, Runner previous) {
            this.jobId = jobId;
            this.placement = placement;
            this.alias = alias;
            this.engine = engine;
            this.sidecar = sidecar;
            this.digest = digest;
            this.token = token;
            this.appPort = appPort;
            this.previous = previous;
            this.thread = new Thread(this::run, "deeploy-tunnel-" + jobId);
            this.thread.setDaemon(true);
        }

        void stop() {
            stopped = true;
            thread.interrupt();
            unfollow();
        }

        void detach() {
            detached = true;
            stop();
        }

        void awaitEnd(Duration timeout) {
            try {
                thread.join(timeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void run() {
            if (previous != null) {
                previous.awaitEnd(THREAD_END);
                previous = null;
            }
            String running = adoptOrClear();
            boolean served = running != null;
            int restarts = 0;
            while (!stopped) {
                long started = System.nanoTime();
                String failure;
                try {
                    if (running == null) {
                        running = startSidecar();
                        if (running == null) {
                            break;
                        }
                        served = false;
                    }
                    Long code = containers.awaitExit(running, node.superviseInterval());
                    unfollow();
                    if (stopped) {
                        break;
                    }
                    served = served || url != null;
                    failure = exited(running, code, served);
                    containers.remove(running, Duration.ZERO);
                    running = null;
                } catch (TunnelContainers.Unavailable e) {
                    failure = e.getMessage();
                } catch (InterruptedException e) {
                    break;
                } catch (RuntimeException e) {
                    // The node's engine did not answer; the sidecar (if any) is looked at again after the backoff.
                    failure = "the node's container engine failed: " + e.getMessage();
                }
                failure = TunnelEngine.redact(failure, token);
                restarts = served && System.nanoTime() - started > STABLE.toNanos() ? 1 : restarts + 1;
                served = false;
                if (!backOff(failure, restarts)) {
                    break;
                }
            }
            unfollow();
        }

        /**
         * The sidecar left running by an earlier runner or run of the agent, if it is this one's (same digest): kept, and
         * watched for its exit (its URL was announced when it started). Any other sidecar of the job is removed.
         */
        private String adoptOrClear() {
            String adopted = null;
            try {
                List<TunnelContainers.Found> found = containers.of(jobId);
                for (TunnelContainers.Found candidate : found) {
                    if (adopted == null && !stopped && candidate.running() && digest.equals(candidate.digest())) {
                        adopted = candidate.id();
                    } else if (!detached) {
                        containers.remove(candidate.id(), config.stopGrace());
                    }
                }
            } catch (RuntimeException e) {
                LOG.warnf("job %s: its tunnel sidecars could not be listed: %s", jobId, e.getMessage());
            }
            if (adopted != null) {
                LOG.infof("job %s: %s sidecar %s kept beside app container %s", jobId, engine.engine(), adopted,
                        sidecar.appContainerId());
            }
            return adopted;
        }

        /** Starts a sidecar and follows its output; null when this runner was stopped meanwhile. */
        private String startSidecar() throws TunnelContainers.Unavailable {
            url = null;
            String id = containers.start(sidecar);
            if (stopped) {
                // stop() may have listed the job's sidecars before this one existed.
                if (!detached) {
                    containers.remove(id, Duration.ZERO);
                }
                return null;
            }
            LOG.infof("job %s: %s started in sidecar %s beside app container %s, towards its port %d", jobId, engine.engine(), id,
                    sidecar.appContainerId(), appPort);
            following = containers.follow(id, this::onLine);
            if (stopped) {
                unfollow();
            }
            return id;
        }

        /** One line of the engine's output: logged without the token; the line that says it serves is announced. */
        private void onLine(String line) {
            LOG.debugf("job %s %s: %s", jobId, engine.engine(), TunnelEngine.redact(line, token));
            String ready;
            if (url == null && !stopped && (ready = engine.readyUrl(line)) != null) {
                url = ready;
                LOG.infof("job %s: %s serves it at %s", jobId, engine.engine(), ready);
                reports.report(jobId, placement, new TunnelReady(jobId, node.id(), alias, ready, engine.engine()));
                reported = false;
            }
        }

        /** Why the sidecar ended, with its last lines. */
        private String exited(String id, Long code, boolean served) {
            if (code == null) {
                return engine.engine() + " sidecar " + id + " is gone";
            }
            List<String> tail = containers.tail(id, TAIL_LINES);
            return engine.engine() + " exited with code " + code + (served ? "" : " before it served a URL")
                    + (tail.isEmpty() ? "" : ": " + String.join(" | ", tail));
        }

        /** Reports the failure (once), waits; false when stopped meanwhile. */
        private boolean backOff(String failure, int restarts) {
            Duration backoff = new Backoff(config.restartBackoffInitial(), config.restartBackoffMax()).after(restarts);
            if (!reported) {
                LOG.warnf("job %s: tunnel %s; starting it again in %d ms", jobId, failure, backoff.toMillis());
                reports.report(jobId, placement, new TunnelFailed(jobId, node.id(), engine.engine(), failure));
                reported = true;
            } else {
                // Said once per failure, like the event; a missing image would otherwise warn every few minutes.
                LOG.debugf("job %s: tunnel %s; starting it again in %d ms", jobId, failure, backoff.toMillis());
            }
            try {
                Thread.sleep(backoff.toMillis());
                return !stopped;
            } catch (InterruptedException e) {
                return false;
            }
        }

        private void unfollow() {
            Closeable stream = following;
            following = null;
            if (stream != null) {
                try {
                    stream.close();
                } catch (IOException | RuntimeException e) {
                    // the stream is gone either way
                }
            }
        }
    }
}
