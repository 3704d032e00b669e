package io.deeploy.builder.service;

import io.deeploy.builder.client.GatewayClient;
import io.deeploy.builder.client.NodeIdentity;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.Backoff;
import io.deeploy.node.api.DesiredAllocations;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Follows what the platform wants of this node: a long poll of the gateway for the node's desired allocations, each
 * answer saved locally and handed to the {@link Reconciler}. At start the last saved state is followed at once (apps
 * are adopted and keep serving while the gateway is away); while the gateway is unreachable the node keeps doing what
 * it was last told and asks again with backoff, catching up in one answer when it returns.
 */
@ApplicationScoped
public class DesiredStateWatcher {

    private static final Logger LOG = Logger.getLogger(DesiredStateWatcher.class);
    /** While the gateway cannot be asked: from a second up to half a minute between tries. */
    static final Backoff UNREACHABLE = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
    /**
     * While the gateway refuses the node (not registered yet, say) it is asked again at least every 2 s: the refusal is
     * cheap to answer, and a node should start following its allocations soon after its operator registered it.
     */
    static final Backoff REFUSED = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2));

    private final GatewayClient gateway;
    private final Reconciler reconciler;
    private final LocalState local;
    private final NodeIdentity identity;
    private final NodeConfig config;
    private volatile boolean running;
    private volatile Instant lastAnswer;
    private volatile String lastRefusal;
    private Thread thread;

    public DesiredStateWatcher(GatewayClient gateway, Reconciler reconciler, LocalState local, NodeIdentity identity,
            NodeConfig config) {
        this.gateway = gateway;
        this.reconciler = reconciler;
        this.local = local;
        this.identity = identity;
        this.config = config;
    }

    void start(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 1000) StartupEvent startup) {
        DesiredAllocations last = local.load();
        if (last != null) {
            LOG.infof("following the last known desired state (index %d, %d allocations) until the gateway answers",
                    last.index(), last.allocations().size());
            reconciler.apply(last);
        }
        running = true;
        thread = new Thread(() -> follow(last == null ? -1 : last.index()), "deeploy-desired-state");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent shutdown) {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void follow(long knownIndex) {
        long index = knownIndex;
        boolean fresh = true;
        int failures = 0;
        while (running) {
            try {
                // The first call after a start answers at once, so a node that was away catches up in one call.
                DesiredAllocations state = gateway.allocations(fresh ? -1 : index, fresh ? Duration.ZERO : config.pollWait());
                lastAnswer = Instant.now();
                lastRefusal = null;
                if (fresh || state.index() != index) {
                    local.save(state);
                    reconciler.apply(state);
                }
                index = state.index();
                fresh = false;
                failures = 0;
            } catch (GatewayClient.Refused e) {
                if (!e.code().equals(lastRefusal)) {
                    LOG.warnf("the gateway refuses this node (%s: %s)%s", e.code(), e.getMessage(), "NODE_UNKNOWN".equals(e.code())
                            ? "; its operator registers it with public key " + identity.publicKey() : "");
                    lastRefusal = e.code();
                }
                pause(REFUSED.after(++failures));
            } catch (IOException e) {
                LOG.debugf("the gateway at %s is unreachable (%s); keeping the last desired state", gateway.baseUrl(), e.getMessage());
                pause(UNREACHABLE.after(++failures));
            } catch (RuntimeException e) {
                LOG.warnf("following the desired state failed: %s", e.getMessage());
                pause(UNREACHABLE.after(++failures));
            }
        }
    }

    private void pause(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** When the gateway last answered, or null if it has not since the start. */
    public Instant lastAnswer() {
        return lastAnswer;
    }

    /** The code of the gateway's latest refusal, or null. */
    public String lastRefusal() {
        return lastRefusal;
    }
}
