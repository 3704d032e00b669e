package io.deeploy.scheduler.service;

import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.HealthCheck;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.scheduler.config.OracleConfig;
import io.deeploy.scheduler.repository.AllocationRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.core.net.NetClient;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The platform's own evidence that an allocation serves, beside the node's heartbeats (which the node writes). Each
 * running allocation whose app reported where it serves is probed at a jittered interval (drawn between half and one and
 * a half of {@code deeploy.oracle.probe-interval}, so a node cannot tell when the next probe comes) on the job's health
 * check: an HTTP GET of its path, passing on 2xx or 3xx, or for tcp and none a TCP connection. The probe goes where the
 * ingress goes: the node's registered address and the port of its AppStarted, never an address the node names. Each
 * result counts towards its (job, epoch, node) ({@link UptimeOracle#recordProbes}). Non-blocking: the probes run on the
 * event loop with Vert.x clients, at most {@link #CONCURRENT_PROBES} at a time.
 */
@ApplicationScoped
public class ServingProber {

    private static final Logger LOG = Logger.getLogger(ServingProber.class);
    static final int CONCURRENT_PROBES = 16;

    private final OracleConfig config;
    private final AllocationRepository allocations;
    private final UptimeOracle oracle;
    private final Vertx vertx;
    /** When each allocation ({@code job@node}) is probed next. Lost on a restart: probing then starts over. */
    private final Map<String, Instant> nextProbe = new ConcurrentHashMap<>();
    private HttpClient http;
    private NetClient tcp;

    public ServingProber(OracleConfig config, AllocationRepository allocations, UptimeOracle oracle, Vertx vertx) {
        this.config = config;
        this.allocations = allocations;
        this.oracle = oracle;
        this.vertx = vertx;
    }

    @PostConstruct
    void clients() {
        int timeout = (int) config.probeTimeout().toMillis();
        http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setConnectTimeout(timeout)
                .setMaxPoolSize(CONCURRENT_PROBES));
        tcp = vertx.createNetClient(new NetClientOptions().setConnectTimeout(timeout));
    }

    @PreDestroy
    void close() {
        http.closeAndAwait();
        tcp.closeAndAwait();
    }

    @Scheduled(every = "${deeploy.oracle.probe-tick:2s}", delayed = "3s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> tick() {
        if (!config.probes()) {
            return Uni.createFrom().voidItem();
        }
        Instant now = Instant.now();
        return Panache.withSession(allocations::probeTargets)
                .chain(targets -> Multi.createFrom().iterable(due(targets, now))
                        .onItem().transformToUni(target -> probe(target)
                                .map(passed -> new UptimeOracle.ProbeResult(target.jobId(), target.nodeId(), passed, Instant.now())))
                        .merge(CONCURRENT_PROBES)
                        .collect().asList())
                .chain(results -> Panache.withTransaction(() -> oracle.recordProbes(results)))
                .onFailure().invoke(e -> LOG.warnf("serving probes: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /**
     * The targets whose time has come, each given its next time. One seen for the first time gets a random first time
     * within an interval, so that allocations placed together are not probed together.
     */
    List<AllocationRepository.ProbeTarget> due(List<AllocationRepository.ProbeTarget> targets, Instant now) {
        Set<String> current = targets.stream().map(AllocationRepository.ProbeTarget::key).collect(Collectors.toSet());
        nextProbe.keySet().retainAll(current);
        return targets.stream().filter(target -> {
            Instant next = nextProbe.get(target.key());
            if (next == null) {
                nextProbe.put(target.key(), now.plus(scaled(config.probeInterval(), ThreadLocalRandom.current().nextDouble())));
                return false;
            }
            if (next.isAfter(now)) {
                return false;
            }
            nextProbe.put(target.key(), now.plus(scaled(config.probeInterval(), 0.5 + ThreadLocalRandom.current().nextDouble())));
            return true;
        }).toList();
    }

    private static Duration scaled(Duration interval, double factor) {
        return Duration.ofMillis((long) (interval.toMillis() * factor));
    }

    /** Whether the app answers its health check at the node's registered address; never fails. */
    Uni<Boolean> probe(AllocationRepository.ProbeTarget target) {
        HealthCheck check = EventCodec.fromJson(target.spec(), JobSpec.class).healthCheck();
        Uni<Boolean> probe;
        if (check != null && check.mode() == HealthCheck.Mode.HTTP) {
            RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost(target.address())
                    .setPort(target.port()).setURI(check.httpPath()).setFollowRedirects(false)
                    .setTimeout(config.probeTimeout().toMillis());
            probe = http.request(request).chain(req -> req.send())
                    .chain(response -> response.end().replaceWith(response.statusCode() >= 200 && response.statusCode() < 400));
        } else {
            probe = tcp.connect(target.port(), target.address()).call(socket -> socket.close()).replaceWith(true);
        }
        return probe.ifNoItem().after(config.probeTimeout()).recoverWithItem(false)
                .onFailure().recoverWithItem(false)
                .invoke(passed -> {
                    if (!passed) {
                        LOG.debugf("probe of job %s on node %s (%s:%d) failed", target.jobId(), target.nodeId(),
                                target.address(), target.port());
                    }
                });
    }
}
