package io.deeploy.tunnel.service;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The ingress's in-memory view of the route table: reloaded right after every applied route event and every two
 * seconds (so several tunnel-svc instances converge), read on every proxied request without touching the database.
 */
@ApplicationScoped
public class RouteTable {

    private static final Logger LOG = Logger.getLogger(RouteTable.class);
    /**
     * Every route of the job that claimed each alias first: an alias is served by one job, never by two in rotation
     * (two jobs report one alias only around one's stop and the next one's start, in whatever order events arrive).
     */
    static final String ALL = """
            SELECT r.alias, r.target_host, r.target_port FROM route r
            WHERE r.job_id = (SELECT c.job_id FROM route c WHERE c.alias = r.alias ORDER BY c.claimed_at, c.job_id LIMIT 1)
            ORDER BY r.alias, r.node_id""";

    public record Target(String host, int port) {
    }

    private final Pool pool;
    private final AtomicInteger turn = new AtomicInteger();
    private volatile Map<String, List<Target>> byAlias = Map.of();
    private long timer = -1;
    private Vertx vertx;

    public RouteTable(Pool pool) {
        this.pool = pool;
    }

    void start(@Observes StartupEvent startup, Vertx vertx) {
        this.vertx = vertx;
        reload().subscribe().with(n -> { }, e -> LOG.warnf("route table not loaded: %s", e.getMessage()));
        timer = vertx.setPeriodic(2000, id -> reload().subscribe().with(n -> { }, e -> { }));
    }

    void stop(@Observes ShutdownEvent shutdown) {
        if (vertx != null && timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    public Uni<Integer> reload() {
        return pool.query(ALL).execute().map(rows -> {
            Map<String, List<Target>> fresh = new HashMap<>();
            for (Row row : rows) {
                fresh.computeIfAbsent(row.getString("alias"), a -> new ArrayList<>())
                        .add(new Target(row.getString("target_host"), row.getInteger("target_port")));
            }
            byAlias = fresh;
            return fresh.size();
        });
    }

    /** A target for the alias, rotating over the nodes that serve it; null when the alias has no route. */
    public Target pick(String alias) {
        List<Target> targets = byAlias.get(alias);
        if (targets == null || targets.isEmpty()) {
            return null;
        }
        return targets.get(Math.floorMod(turn.getAndIncrement(), targets.size()));
    }
}
