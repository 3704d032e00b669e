package io.deeploy.project.rest;

import io.deeploy.events.payload.NodeStatus;
import io.deeploy.project.repository.NodeRegistration;
import io.deeploy.project.service.ApiException;
import io.deeploy.project.service.NodeRegistryService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

/**
 * Node operators register their edge nodes here (signed by the operator's wallet); admins suspend, blacklist and
 * reinstate them. A node's agent then proves who it is at the node gateway with the key registered here.
 */
@Path("/api/nodes")
@Produces(MediaType.APPLICATION_JSON)
public class NodeResource {

    private final NodeRegistryService registry;
    private final ApiRequests requests;

    public NodeResource(NodeRegistryService registry, ApiRequests requests) {
        this.registry = registry;
        this.requests = requests;
    }

    public record RegisterNodeRequest(String id, String publicKey, String address, String payoutAddress) {
    }

    public record StatusRequest(String status, String reason) {
    }

    public record NodeRegistrationView(String id, String publicKey, String operator, String payoutAddress, String address,
            String status, String statusReason, Instant registeredAt, Instant updatedAt) {
        static NodeRegistrationView of(NodeRegistration node) {
            return new NodeRegistrationView(node.id, node.publicKey, node.operator, node.payoutAddress, node.address,
                    node.status.name(), node.statusReason, node.registeredAt, node.updatedAt);
        }
    }

    /** Registers a node (201), or changes the caller's registration of it (200); the same registration again changes nothing. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequestBody(content = @Content(schema = @Schema(implementation = RegisterNodeRequest.class)))
    public Uni<Response> register(@Context UriInfo uri, @Context HttpHeaders headers, byte[] body) {
        return requests.caller("POST", uri, headers, body).chain(caller -> {
            RegisterNodeRequest request = requests.parse(body, RegisterNodeRequest.class);
            return registry.register(caller, new NodeRegistryService.Registration(request.id(), request.publicKey(),
                    request.address(), request.payoutAddress()));
        }).map(outcome -> Response.status(outcome.created() ? 201 : 200).entity(NodeRegistrationView.of(outcome.node())).build());
    }

    @GET
    public Uni<List<NodeRegistrationView>> list(@Context UriInfo uri, @Context HttpHeaders headers) {
        return requests.caller("GET", uri, headers, null).chain(registry::list)
                .map(nodes -> nodes.stream().map(NodeRegistrationView::of).toList());
    }

    @GET
    @Path("/{id}")
    public Uni<NodeRegistrationView> get(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("id") String id) {
        return requests.caller("GET", uri, headers, null).chain(caller -> registry.get(caller, id)).map(NodeRegistrationView::of);
    }

    /** An admin's decision: ACTIVE, SUSPENDED (no placements, its jobs move away) or BLACKLISTED (also refused at the gateway). */
    @PUT
    @Path("/{id}/status")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequestBody(content = @Content(schema = @Schema(implementation = StatusRequest.class)))
    public Uni<NodeRegistrationView> status(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("id") String id,
            byte[] body) {
        return requests.caller("PUT", uri, headers, body).chain(caller -> {
            StatusRequest request = requests.parse(body, StatusRequest.class);
            return registry.setStatus(caller, id, statusOf(request.status()), request.reason());
        }).map(NodeRegistrationView::of);
    }

    static NodeStatus statusOf(String status) {
        try {
            return NodeStatus.valueOf(status == null ? "" : status.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("status", "status is ACTIVE, SUSPENDED or BLACKLISTED");
        }
    }
}
