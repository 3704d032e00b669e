package io.deeploy.tunnel.service;

import io.deeploy.events.Event;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.RouteReady;
import io.deeploy.outbox.Outbox;
import io.deeploy.tunnel.config.IngressConfig;
import io.deeploy.tunnel.repository.Route;
import io.deeploy.tunnel.repository.RouteRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Keeps the route table in step with what the agents report: a started app (or a redeployed one, on a new port)
 * replaces its route; a stopped one removes it. Runs inside the idempotent consumer's transaction.
 */
@ApplicationScoped
public class RouteService {

    private static final Logger LOG = Logger.getLogger(RouteService.class);

    private final RouteRepository routes;
    private final IngressConfig ingress;
    private final Outbox outbox;

    public RouteService(RouteRepository routes, IngressConfig ingress, Outbox outbox) {
        this.routes = routes;
        this.ingress = ingress;
        this.outbox = outbox;
    }

    /** The public address of an app on the built-in ingress. */
    public static String urlFor(String alias, IngressConfig ingress) {
        return "http://" + alias + "." + ingress.baseDomain() + ":" + ingress.port() + "/";
    }

    /**
     * A newer placement of the job is recorded. Routes to nodes it no longer names stay until a node of the new
     * placement reports its app, so a job whose old container still serves keeps serving through a failover.
     */
    public Uni<Void> nodeSelected(NodeSelected selected) {
        return routes.recordPlacement(selected.jobId(), selected.placement(), selected.nodeIds()).replaceWithVoid();
    }

    /** Adds or switches the app's route; the job's first route announces its URL (RouteReady). */
    public Uni<Void> appStarted(AppStarted started, Instant at) {
        return routes.placedNodes(started.jobId()).chain(placed -> {
            if (placed == null) {
                return route(started, at);
            }
            if (!placed.contains(started.nodeId())) {
                // A late report of a node the job has moved away from (an agent back after a failover).
                LOG.infof("AppStarted of %s on %s ignored: the job is placed on %s", started.jobId(), started.nodeId(), placed);
                return Uni.createFrom().voidItem();
            }
            // The job serves on its new placement: routes to nodes it moved away from go.
            return route(started, at).chain(() -> routes.deleteForJobOutside(started.jobId(), placed)).invoke(n -> {
                if (n > 0) {
                    LOG.infof("job %s serves on %s: %d route(s) to nodes it left removed", started.jobId(), placed, n);
                }
            }).replaceWithVoid();
        });
    }

    private Uni<Void> route(AppStarted started, Instant at) {
        Route.Key key = new Route.Key(started.jobId(), started.nodeId());
        return routes.countForJob(started.jobId()).chain(routesOfJob -> routes.findById(key).chain(existing -> {
            Route route = existing == null ? new Route() : existing;
            if (existing == null) {
                route.claimedAt = at;
            }
            route.key = key;
            route.alias = started.alias();
            route.targetHost = started.host();
            route.targetPort = started.port();
            route.commit = started.commit();
            route.updatedAt = at;
            LOG.infof("route %s -> %s:%d (%s, commit %s)", urlFor(started.alias(), ingress), started.host(), started.port(),
                    started.jobId(), started.commit());
            Uni<Void> saved = existing == null ? routes.persist(route).replaceWithVoid() : Uni.createFrom().voidItem();
            return routesOfJob > 0 ? saved : saved.chain(() -> outbox.enqueue(Event.of(new RouteReady(started.jobId(),
                    started.alias(), urlFor(started.alias(), ingress)), at)));
        }));
    }

    public Uni<Void> jobStopped(JobStopped stopped) {
        Uni<Long> removed = stopped.nodeId() == null
                ? routes.deleteForJob(stopped.jobId())
                : routes.deleteForJobOnNode(stopped.jobId(), stopped.nodeId());
        return removed.invoke(n -> {
            if (n > 0) {
                LOG.infof("routes of %s removed (%d)", stopped.jobId(), n);
            }
        }).replaceWithVoid();
    }
}
