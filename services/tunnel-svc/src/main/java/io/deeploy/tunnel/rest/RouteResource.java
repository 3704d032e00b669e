package io.deeploy.tunnel.rest;

import io.deeploy.tunnel.config.IngressConfig;
import io.deeploy.tunnel.repository.Route;
import io.deeploy.tunnel.repository.RouteRepository;
import io.deeploy.tunnel.service.RouteService;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;

@Path("/api/routes")
@Produces(MediaType.APPLICATION_JSON)
public class RouteResource {

    private final RouteRepository routes;
    private final IngressConfig ingress;

    public RouteResource(RouteRepository routes, IngressConfig ingress) {
        this.routes = routes;
        this.ingress = ingress;
    }

    public record RouteView(String alias, String url, String jobId, String nodeId, String target, String commit, Instant updatedAt) {
    }

    @GET
    @WithSession
    public Uni<List<RouteView>> list() {
        return routes.listAll().map(all -> all.stream().map(this::view).toList());
    }

    @GET
    @Path("/{alias}")
    @WithSession
    public Uni<List<RouteView>> byAlias(@PathParam("alias") String alias) {
        return routes.listByAlias(alias).map(list -> list.stream().map(this::view).toList());
    }

    private RouteView view(Route route) {
        return new RouteView(route.alias, RouteService.urlFor(route.alias, ingress), route.key.jobId(), route.key.nodeId(),
                route.targetHost + ":" + route.targetPort, route.commit, route.updatedAt);
    }
}
