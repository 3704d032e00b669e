package io.deeploy.scheduler.rest;

import io.deeploy.events.ApiError;
import io.deeploy.scheduler.repository.NodeIdentity;
import io.deeploy.scheduler.repository.NodeIdentityRepository;
import io.deeploy.scheduler.repository.NodeRepository;
import io.deeploy.scheduler.repository.Placement;
import io.deeploy.scheduler.repository.PlacementRepository;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class NodeResource {

    private final NodeRepository nodes;
    private final NodeIdentityRepository identities;
    private final PlacementRepository placements;

    public NodeResource(NodeRepository nodes, NodeIdentityRepository identities, PlacementRepository placements) {
        this.nodes = nodes;
        this.identities = identities;
        this.placements = placements;
    }

    /** Every node that has reported, with its registration; the queries run one after the other on one session. */
    @GET
    @Path("/nodes")
    @WithSession
    public Uni<List<NodeView>> list() {
        return nodes.listAll().chain(all -> identities.listAll().map(registered -> {
            Map<String, NodeIdentity> byId = registered.stream().collect(Collectors.toMap(i -> i.nodeId, i -> i));
            return all.stream().map(node -> NodeView.of(node, byId.get(node.id))).toList();
        }));
    }

    @GET
    @Path("/nodes/{id}")
    @WithSession
    public Uni<NodeView> get(@PathParam("id") String id) {
        return nodes.findById(id).chain(node -> {
            if (node == null) {
                throw new NotFoundException("no node " + id);
            }
            return identities.findById(id).map(identity -> NodeView.of(node, identity));
        });
    }

    @GET
    @Path("/placements/{jobId}")
    @WithSession
    public Uni<PlacementView> placement(@PathParam("jobId") String jobId) {
        return placements.findById(jobId).map(placement -> {
            if (placement == null) {
                throw new NotFoundException("no placement for job " + jobId);
            }
            return PlacementView.of(placement);
        });
    }

    public record PlacementView(String jobId, String state, List<String> nodes, List<String> spareNodes, long attempt,
            String reason) {
        static PlacementView of(Placement p) {
            return new PlacementView(p.jobId, p.state.name(), p.nodes(),
                    p.spareIds.isEmpty() ? List.of() : List.of(p.spareIds.split(",")), p.attempt, p.reason);
        }
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return Response.status(404).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ApiError.of("NOT_FOUND", e.getMessage())).build();
    }
}
