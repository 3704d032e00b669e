package io.deeploy.builder.service;

import io.deeploy.builder.config.NodeConfig;
import io.deeploy.builder.config.TunnelConfig;
import io.deeploy.events.payload.TunnelFailed;
import io.deeploy.events.payload.TunnelReady;
import io.deeploy.events.payload.TunnelSettings;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * Runs the cloudflared or ngrok process of each job that asks for one, beside the app the agent serves, as the seed
 * system did: pointed at the app's published loopback port, its token in the environment, its public URL read from
 * its output and announced (TunnelReady). An engine that exits is started again with backoff; one that cannot start
 * or exits before it serves is reported once per failure (TunnelFailed) while the app keeps serving through the
 * built-in ingress. A redeploy (new port) moves the engine; a stop ends it.
 */
@ApplicationScoped
public class TunnelManager {

    private static final Logger LOG = Logger.getLogger(TunnelManager.class);
    static final int TAIL_LINES = 8;
    static final String PID_FILE = "engine.pid";
    /** An engine that served this long before it exited starts its backoff afresh. */
    static final Duration STABLE = Duration.ofMinutes(1);

    private final TunnelConfig config;
    private final ReportSpool reports;
    private final NodeConfig node;
    private final Map<String, Runner> runners = new ConcurrentHashMap<>();

    public TunnelManager(TunnelConfig config, ReportSpool reports, NodeConfig node) {
        this.config = config;
        this.reports = reports;
        this.node = node;
    }

    void shutdown(@Observes ShutdownEvent event) {
        runners.values().forEach(Runner::stop);
        runners.values().forEach(runner -> runner.awaitGone(config.stopGrace().plusSeconds(1)));
        runners.clear();
    }

    /**
     * Keeps the job's engine pointed at {@code hostPort}: nothing changes when it already is, otherwise the running one
     * (if any) is replaced. {@code token} is the engine's token from the job's secrets, null for a quick tunnel;
     * {@code placement} is the allocation its reports are about.
     */
    public void serve(String jobId, long placement, String alias, TunnelSettings settings, String token, int hostPort, Path home) {
        Runner current = runners.get(jobId);
        if (current != null && current.hostPort == hostPort && current.settings.equals(settings)) {
            return;
        }
        String binary = TunnelSettings.CLOUDFLARE.equals(settings.engine()) ? config.cloudflaredPath() : config.ngrokPath();
        if (current != null) {
            current.stop();
        }
        if (settings.tokenRef() != null && token == null) {
            runners.remove(jobId);
            reports.report(jobId, placement, new TunnelFailed(jobId, node.id(), settings.engine(), "its token (job secret " + settings.tokenRef()
                    + ") could not be read on this node"));
            return;
        }
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            runners.remove(jobId);
            reports.report(jobId, placement, new TunnelFailed(jobId, node.id(), settings.engine(), "no directory for it on this node: "
                    + e.getMessage()));
            return;
        }
        killLeftover(jobId, home, current == null ? null : current.process);
        TunnelEngine engine = TunnelEngine.of(settings, token, binary, hostPort, home, System.getenv("PATH"));
        Runner runner = new Runner(jobId, placement, alias, settings, token, hostPort, home, engine, current);
        runners.put(jobId, runner);
        runner.thread.start();
    }

    /** Ends the job's engine, if it runs here (also one left by an earlier run of the agent). */
    public void stop(String jobId, Path home) {
        Runner runner = runners.remove(jobId);
        if (runner != null) {
            runner.stop();
        }
        killLeftover(jobId, home, runner == null ? null : runner.process);
    }

    /**
     * An engine that an earlier run of the agent started and could not stop (it crashed) still runs towards a port that
     * may now be another app's: ended, if its pid file names a live process of one of the engine binaries.
     */
    private void killLeftover(String jobId, Path home, Process ours) {
        Path pidFile = home.resolve(PID_FILE);
        try {
            if (!Files.exists(pidFile)) {
                return;
            }
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            Files.deleteIfExists(pidFile);
            if (ours != null && ours.pid() == pid) {
                return;
            }
            ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(this::isEngine).ifPresent(leftover -> {
                LOG.warnf("job %s: ending tunnel engine %d left by an earlier run of the agent", jobId, pid);
                leftover.destroy();
            });
        } catch (IOException | NumberFormatException e) {
            LOG.debugf("job %s: no usable tunnel pid file: %s", jobId, e.getMessage());
        }
    }

    /** A pid that outlived its process may be anyone's now: only a process of a configured engine binary is ended. */
    private boolean isEngine(ProcessHandle process) {
        String command = process.info().command().orElse("");
        String name = Path.of(command).getFileName() == null ? "" : Path.of(command).getFileName().toString();
        return !name.isEmpty() && (name.equals(Path.of(config.cloudflaredPath()).getFileName().toString())
                || name.equals(Path.of(config.ngrokPath()).getFileName().toString()));
    }

    /** One job's engine: a thread that starts the process, reads its output and starts it again when it exits. */
    private final class Runner {

        final String jobId;
        final long placement;
        final String alias;
        final TunnelSettings settings;
        final String token;
        final int hostPort;
        final Path home;
        final TunnelEngine engine;
        /** The engine this one replaces; it must be gone first (an ngrok domain serves one session at a time). */
        private Runner previous;
        final Thread thread;
        volatile Process process;
        volatile boolean stopped;

        Runner(String jobId, long placement, String alias, TunnelSettings settings, String token, int hostPort, Path home,
                TunnelEngine engine, Runner previous) {
            this.jobId = jobId;
            this.placement = placement;
            this.alias = alias;
            this.settings = settings;
            this.token = token;
            this.hostPort = hostPort;
            this.home = home;
            this.engine = engine;
            this.previous = previous;
            this.thread = new Thread(this::run, "deeploy-tunnel-" + jobId);
            this.thread.setDaemon(true);
        }

        void stop() {
            stopped = true;
            thread.interrupt();
            Process running = process;
            if (running != null) {
                end(running);
            }
        }

        private void end(Process running) {
            running.destroy();
            running.onExit().completeOnTimeout(null, config.stopGrace().toMillis(), TimeUnit.MILLISECONDS).thenAccept(exited -> {
                if (running.isAlive()) {
                    running.destroyForcibly();
                }
            });
        }

        void awaitGone(Duration timeout) {
            Process running = process;
            try {
                thread.join(timeout.toMillis());
                if (running != null) {
                    running.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.debugf("job %s: tunnel engine not gone after %s", jobId, timeout);
            }
        }

        private void run() {
            if (previous != null) {
                previous.awaitGone(config.stopGrace().plusSeconds(1));
                previous = null;
            }
            int restarts = 0;
            boolean reported = false;
            while (!stopped) {
                long started = System.nanoTime();
                String failure;
                String url = null;
                try {
                    ProcessBuilder builder = new ProcessBuilder(engine.argv()).directory(home.toFile()).redirectErrorStream(true);
                    builder.environment().clear();
                    builder.environment().putAll(engine.env());
                    Process running = builder.start();
                    process = running;
                    if (stopped) {
                        end(running);
                        break;
                    }
                    running.getOutputStream().close();
                    writePid(running.pid());
                    LOG.infof("job %s: %s started (pid %d) towards 127.0.0.1:%d", jobId, engine.engine(), running.pid(), hostPort);
                    Deque<String> tail = new ArrayDeque<>();
                    try (BufferedReader output = new BufferedReader(new InputStreamReader(running.getInputStream(),
                            StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = output.readLine()) != null) {
                            String safe = TunnelEngine.redact(line, token);
                            LOG.debugf("job %s %s: %s", jobId, engine.engine(), safe);
                            tail.add(safe);
                            if (tail.size() > TAIL_LINES) {
                                tail.removeFirst();
                            }
                            if (url == null && (url = engine.readyUrl(line)) != null && !stopped) {
                                LOG.infof("job %s: %s serves it at %s", jobId, engine.engine(), url);
                                reports.report(jobId, placement, new TunnelReady(jobId, node.id(), alias, url, engine.engine()));
                                reported = false;
                            }
                        }
                    }
                    int code = running.waitFor();
                    // Kept only while the process lives, so that a pid reused later is never taken for an engine of ours.
                    writePid(0);
                    if (stopped) {
                        break;
                    }
                    failure = engine.engine() + " exited with code " + code + (url == null ? " before it served a URL" : "")
                            + (tail.isEmpty() ? "" : ": " + String.join(" | ", tail));
                } catch (IOException e) {
                    if (stopped) {
                        break;
                    }
                    // Mostly a binary that is not there; its path and the setting to fix it say what to do.
                    String cause = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
                    failure = "cannot run " + engine.binary() + " (deeploy.tunnel."
                            + (TunnelSettings.CLOUDFLARE.equals(engine.engine()) ? "cloudflared" : "ngrok") + "-path): " + cause;
                } catch (InterruptedException e) {
                    break;
                }
                failure = TunnelEngine.redact(failure, token);
                restarts = url != null && System.nanoTime() - started > STABLE.toNanos() ? 1 : restarts + 1;
                Duration backoff = RestartPolicy.backoff(config.restartBackoffInitial(), config.restartBackoffMax(), restarts);
                if (!reported) {
                    LOG.warnf("job %s: tunnel %s; starting it again in %d ms", jobId, failure, backoff.toMillis());
                    reports.report(jobId, placement, new TunnelFailed(jobId, node.id(), engine.engine(), failure));
                    reported = true;
                } else {
                    // Said once per failure, like the event; a missing binary would otherwise warn every few minutes.
                    LOG.debugf("job %s: tunnel %s; starting it again in %d ms", jobId, failure, backoff.toMillis());
                }
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException e) {
                    break;
                }
            }
            writePid(0);
        }

        /** Records the running engine's pid for a later run of the agent; 0 removes the record. */
        private void writePid(long pid) {
            try {
                if (pid == 0) {
                    Files.deleteIfExists(home.resolve(PID_FILE));
                } else {
                    Files.writeString(home.resolve(PID_FILE), Long.toString(pid));
                }
            } catch (IOException e) {
                LOG.warnf("job %s: tunnel pid file not written: %s", jobId, e.getMessage());
            }
        }
    }
}
