package io.deeploy.builder.service;

import io.deeploy.builder.client.GatewayClient;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.Backoff;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventPayload;
import io.deeploy.node.api.StatusReport;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The agent's outbox: every report on an allocation is written to a file before it is sent, and one sender delivers
 * them in the order they were written, retrying while the gateway is unreachable. A report survives an agent crash (it
 * is sent after the restart, under the same id, which the gateway recognises) and a gateway outage (sent on its return).
 * A report the gateway refuses (the job is no longer desired here, say) is dropped: it would be refused again.
 */
@ApplicationScoped
public class ReportSpool {

    private static final Logger LOG = Logger.getLogger(ReportSpool.class);
    /** Reports kept while the gateway is away; beyond this the oldest are the least useful and are dropped. */
    static final int MAX_PENDING = 10_000;
    /** Between rounds that left reports undelivered: half a second, doubling up to half a minute. */
    static final Backoff SEND_BACKOFF = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30));

    private final GatewayClient gateway;
    private final Path directory;
    private final AtomicLong sequence = new AtomicLong();
    private final Object signal = new Object();
    private volatile boolean running;
    private Thread sender;

    /** A report with the job it is about, as kept on disk. */
    record Pending(String jobId, StatusReport report) {
    }

    public ReportSpool(GatewayClient gateway, NodeConfig config) {
        this.gateway = gateway;
        this.directory = Path.of(config.workDir(), "reports");
    }

    void start(@Observes StartupEvent startup) throws IOException {
        Files.createDirectories(directory);
        try (Stream<Path> files = Files.list(directory)) {
            files.map(ReportSpool::sequenceOf).max(Long::compare).ifPresent(sequence::set);
        }
        running = true;
        sender = new Thread(this::sendLoop, "deeploy-report-sender");
        sender.setDaemon(true);
        sender.start();
    }

    void stop(@Observes ShutdownEvent shutdown) {
        running = false;
        if (sender != null) {
            sender.interrupt();
        }
    }

    /** Keeps a report on the job's allocation of {@code placement} for delivery; it is on disk when this returns. */
    public void report(String jobId, long placement, EventPayload payload) {
        StatusReport report = StatusReport.of(UUID.randomUUID(), placement, payload);
        try {
            if (pending().size() >= MAX_PENDING) {
                LOG.warnf("job %s: %d reports wait for the gateway already; %s dropped", jobId, MAX_PENDING, report.type());
                return;
            }
            Path target = directory.resolve(String.format("%020d-%s.json", sequence.incrementAndGet(), report.id()));
            Path temporary = Files.createTempFile(directory, ".report", ".tmp");
            Files.writeString(temporary, EventCodec.toJson(new Pending(jobId, report)), StandardCharsets.UTF_8);
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target);
            }
        } catch (IOException e) {
            LOG.errorf("job %s: %s could not be kept for the gateway: %s", jobId, report.type(), e.getMessage());
            return;
        }
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    /** How many reports wait for delivery. */
    public int backlog() {
        try {
            return pending().size();
        } catch (IOException e) {
            return -1;
        }
    }

    private void sendLoop() {
        int failures = 0;
        while (running) {
            try {
                List<Path> files = pending();
                if (files.isEmpty()) {
                    synchronized (signal) {
                        signal.wait(1000);
                    }
                    continue;
                }
                for (Path file : files) {
                    if (!deliver(file)) {
                        break;
                    }
                    failures = 0;
                }
                if (!pending().isEmpty()) {
                    Thread.sleep(SEND_BACKOFF.after(++failures).toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warnf("report sender: %s", e.getMessage());
            }
        }
    }

    /** True when the file is done with (delivered, or refused for good); false to try it again later. */
    private boolean deliver(Path file) throws IOException {
        Pending pending;
        try {
            pending = EventCodec.fromJson(Files.readString(file, StandardCharsets.UTF_8), Pending.class);
        } catch (IllegalStateException e) {
            LOG.errorf("unreadable report %s dropped", file.getFileName());
            Files.deleteIfExists(file);
            return true;
        }
        try {
            gateway.report(pending.jobId(), pending.report());
            Files.deleteIfExists(file);
            return true;
        } catch (GatewayClient.Refused e) {
            if (e.status() == 401 || e.status() == 429) {
                // Not registered yet, or a clock off: nothing is wrong with the report itself.
                LOG.warnf("job %s: %s not accepted yet (%s: %s)", pending.jobId(), pending.report().type(), e.code(), e.getMessage());
                return false;
            }
            LOG.infof("job %s: %s refused by the gateway (%s: %s); dropped", pending.jobId(), pending.report().type(), e.code(),
                    e.getMessage());
            Files.deleteIfExists(file);
            return true;
        } catch (IOException e) {
            LOG.debugf("job %s: %s waits for the gateway: %s", pending.jobId(), pending.report().type(), e.getMessage());
            return false;
        }
    }

    private List<Path> pending() throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(path -> path.getFileName().toString().endsWith(".json")).sorted().toList();
        }
    }

    private static long sequenceOf(Path file) {
        String name = file.getFileName().toString();
        int dash = name.indexOf('-');
        try {
            return dash > 0 ? Long.parseLong(name.substring(0, dash)) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
