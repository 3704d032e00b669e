package io.deeploy.builder.service;

import io.deeploy.builder.client.GatewayClient;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.payload.Resources;
import io.deeploy.node.api.Heartbeat;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Reports this node to the gateway at a jittered interval: what it offers, what is left after its allocations, its tags,
 * and how each allocation fares (the uptime oracle counts the ones SERVING). A lost heartbeat is superseded by the next.
 */
@ApplicationScoped
public class HeartbeatService {

    private static final Logger LOG = Logger.getLogger(HeartbeatService.class);
    static final String AGENT_VERSION = "0.2.0";

    private final GatewayClient gateway;
    private final Reconciler reconciler;
    private final NodeConfig config;
    private final Resources offered;
    private final String bootId = UUID.randomUUID().toString();
    private final AtomicLong sequence = new AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(JobRunnerServices.daemon("deeploy-heartbeat"));
    private volatile String lastFailure;
    private volatile boolean accepted;

    public HeartbeatService(GatewayClient gateway, Reconciler reconciler, NodeConfig config) {
        this.gateway = gateway;
        this.reconciler = reconciler;
        this.config = config;
        this.offered = NodeCapacity.offered(config);
    }

    void start(@Observes StartupEvent startup) {
        LOG.infof("node agent %s offers %s, gateway %s", config.id(), offered, gateway.baseUrl());
        timer.schedule(this::beatAndReschedule, 0, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent shutdown) {
        timer.shutdownNow();
    }

    private void beatAndReschedule() {
        try {
            beat();
        } finally {
            if (!timer.isShutdown()) {
                timer.schedule(this::beatAndReschedule, jittered(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** The interval with up to ±10 % jitter, so that many agents do not beat in lockstep. */
    private long jittered() {
        long base = config.heartbeatInterval().toMillis();
        return base + ThreadLocalRandom.current().nextLong(-base / 10, base / 10 + 1);
    }

    void beat() {
        Heartbeat heartbeat = new Heartbeat(bootId, sequence.incrementAndGet(), offered,
                NodeCapacity.free(offered, reconciler.held()), config.tags(), AGENT_VERSION, reconciler.health());
        try {
            gateway.heartbeat(heartbeat);
            accepted = true;
            lastFailure = null;
        } catch (GatewayClient.Refused e) {
            failed(e.code() + ": " + e.getMessage());
        } catch (IOException e) {
            failed(e.getMessage());
        } catch (RuntimeException e) {
            failed(e.toString());
        }
    }

    /** Said once per kind of failure, so that a gateway away for an hour is not a log line every five seconds. */
    private void failed(String why) {
        accepted = false;
        if (!why.equals(lastFailure)) {
            LOG.warnf("heartbeat not accepted: %s", why);
            lastFailure = why;
        }
    }

    public Resources offered() {
        return offered;
    }

    /** Whether the gateway took the latest heartbeat. */
    public boolean accepted() {
        return accepted;
    }
}
