package io.deeploy.tunnel.service;

import io.deeploy.tunnel.config.IngressConfig;
import io.deeploy.tunnel.ingress.RouteSnapshot;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Publishes the route table to the ingress process: read from the database right after every applied route event and
 * every two seconds (so several tunnel-svc instances converge), and written to the routes file
 * ({@code deeploy.ingress.routes-file}, {@link RouteSnapshot}) whenever it changed. The ingress serves from that file
 * alone, so apps keep serving while this service is down.
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

    private final Pool pool;
    private final Path file;
    private RouteSnapshot written;
    private long timer = -1;
    private Vertx vertx;

    public RouteTable(Pool pool, IngressConfig config) {
        this.pool = pool;
        this.file = Path.of(config.routesFile());
    }

    void start(@Observes StartupEvent startup, Vertx vertx) {
        this.vertx = vertx;
        reload().subscribe().with(n -> { }, e -> LOG.warnf("route table not published: %s", e.getMessage()));
        timer = vertx.setPeriodic(2000, id -> reload().subscribe().with(n -> { }, e -> { }));
    }

    void stop(@Observes ShutdownEvent shutdown) {
        if (vertx != null && timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Reads the table and writes the file if it changed (on a worker: it touches the disk); returns how many aliases. */
    public Uni<Integer> reload() {
        return pool.query(ALL).execute().map(rows -> {
            Map<String, List<RouteSnapshot.Target>> byAlias = new LinkedHashMap<>();
            for (Row row : rows) {
                byAlias.computeIfAbsent(row.getString("alias"), a -> new ArrayList<>())
                        .add(new RouteSnapshot.Target(row.getString("target_host"), row.getInteger("target_port")));
            }
            return new RouteSnapshot(byAlias);
        }).emitOn(Infrastructure.getDefaultWorkerPool()).map(this::publish);
    }

    private synchronized int publish(RouteSnapshot snapshot) {
        if (!snapshot.equals(written)) {
            try {
                snapshot.writeTo(file);
            } catch (IOException e) {
                throw new UncheckedIOException("route file " + file + " not written", e);
            }
            written = snapshot;
            LOG.debugf("routes: %d app(s) written to %s", snapshot.aliases(), file);
        }
        return snapshot.aliases();
    }
}
