package io.deeploy.scheduler.service;

import io.deeploy.scheduler.repository.AllocationRepository;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Wakes the long polls of a node when its allocations change. The changes are announced by PostgreSQL (LISTEN on
 * {@link AllocationRepository#CHANNEL}, NOTIFY in the changing transaction), which delivers only committed changes and
 * reaches every scheduler instance. A missed notification (the listening connection was down) costs at most one poll
 * timeout, since every poll reads the table again when it wakes; after a reconnection all waiters are woken.
 */
@ApplicationScoped
public class AllocationNotifier {

    private static final Logger LOG = Logger.getLogger(AllocationNotifier.class);

    private final Map<String, Set<CompletableFuture<Void>>> waiters = new ConcurrentHashMap<>();
    private final String url;
    private final String user;
    private final String password;
    private PgSubscriber subscriber;

    public AllocationNotifier(@ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") String user,
            @ConfigProperty(name = "quarkus.datasource.password", defaultValue = "") String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    void start(@Observes StartupEvent startup, Vertx vertx) {
        PgConnectOptions options = PgConnectOptions.fromUri(url.replaceFirst("^vertx-reactive:", "")).setUser(user)
                .setPassword(password);
        subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(retries -> 1000L);
        subscriber.channel(AllocationRepository.CHANNEL)
                .subscribeHandler(subscribed -> wakeAll())
                .handler(this::wake);
        subscriber.connect().onFailure(e -> LOG.warnf("not listening for allocation changes yet (%s); polls fall back to "
                + "their timeout", e.getMessage()));
    }

    void stop(@Observes ShutdownEvent shutdown) {
        if (subscriber != null) {
            subscriber.close();
        }
        wakeAll();
    }

    /** A future completed at the node's next change; {@link #cancel} it when no longer waited for. */
    public CompletableFuture<Void> register(String nodeId) {
        CompletableFuture<Void> change = new CompletableFuture<>();
        waiters.computeIfAbsent(nodeId, id -> ConcurrentHashMap.newKeySet()).add(change);
        return change;
    }

    public void cancel(String nodeId, CompletableFuture<Void> change) {
        waiters.computeIfPresent(nodeId, (id, set) -> {
            set.remove(change);
            return set.isEmpty() ? null : set;
        });
    }

    void wake(String nodeId) {
        Set<CompletableFuture<Void>> waiting = waiters.remove(nodeId);
        if (waiting != null) {
            waiting.forEach(change -> change.complete(null));
        }
    }

    private void wakeAll() {
        waiters.keySet().forEach(this::wake);
    }
}
