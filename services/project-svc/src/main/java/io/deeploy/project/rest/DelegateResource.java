package io.deeploy.project.rest;

import io.deeploy.project.repository.Delegate;
import io.deeploy.project.service.DelegateService;
import io.deeploy.project.service.Permission;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
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
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

/** The signer's delegates: who may act on all of their projects, with which permissions. */
@Path("/api/delegates")
@Produces(MediaType.APPLICATION_JSON)
public class DelegateResource {

    private final DelegateService delegates;
    private final ApiRequests requests;

    public DelegateResource(DelegateService delegates, ApiRequests requests) {
        this.delegates = delegates;
        this.requests = requests;
    }

    public record GrantRequest(List<String> permissions) {
    }

    public record DelegateView(String owner, String delegate, List<String> permissions, int bits, Instant updatedAt) {
        static DelegateView of(Delegate delegate) {
            return new DelegateView(delegate.key.owner(), delegate.key.delegate(), Permission.namesOf(delegate.permissions),
                    delegate.permissions, delegate.updatedAt);
        }
    }

    @GET
    public Uni<List<DelegateView>> list(@Context UriInfo uri, @Context HttpHeaders headers) {
        return requests.caller("GET", uri, headers, null).chain(delegates::list)
                .map(list -> list.stream().map(DelegateView::of).toList());
    }

    /** Grants (or changes) a delegate's permissions; repeating it changes nothing. */
    @PUT
    @Path("/{address}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequestBody(content = @Content(schema = @Schema(implementation = GrantRequest.class)))
    public Uni<DelegateView> grant(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("address") String address,
            byte[] body) {
        return requests.caller("PUT", uri, headers, body).chain(caller -> {
            String delegate = ApiRequests.address(address, "address");
            GrantRequest request = requests.parse(body, GrantRequest.class);
            return delegates.grant(caller, delegate, Permission.bitsOf(request.permissions(), "permissions"));
        }).map(DelegateView::of);
    }

    /** Revokes a delegate at once; revoking one that is not there changes nothing. */
    @DELETE
    @Path("/{address}")
    public Uni<Response> revoke(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("address") String address) {
        return requests.caller("DELETE", uri, headers, null)
                .chain(caller -> delegates.revoke(caller, ApiRequests.address(address, "address")))
                .replaceWith(Response.noContent().build());
    }
}
