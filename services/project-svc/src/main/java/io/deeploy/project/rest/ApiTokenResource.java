package io.deeploy.project.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.deeploy.project.repository.ApiToken;
import io.deeploy.project.service.ApiTokenService;
import io.deeploy.project.service.IdempotentCommands;
import io.deeploy.project.service.Permission;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
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

/** A project's API tokens, for scripts and CI: made, listed and revoked by the owner's signature only. */
@Path("/api/projects/{projectId}/tokens")
@Produces(MediaType.APPLICATION_JSON)
public class ApiTokenResource {

    private final ApiTokenService tokens;
    private final ApiRequests requests;

    public ApiTokenResource(ApiTokenService tokens, ApiRequests requests) {
        this.tokens = tokens;
        this.requests = requests;
    }

    public record CreateTokenRequest(String name, List<String> permissions) {
    }

    /** A token's description; {@code token} only in the answer that created it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TokenView(String id, String projectId, String name, List<String> permissions, Instant createdAt, String token) {
        static TokenView of(ApiToken token, String secret) {
            return new TokenView(token.id, token.projectId, token.name, Permission.namesOf(token.permissions), token.createdAt, secret);
        }
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequestBody(content = @Content(schema = @Schema(implementation = CreateTokenRequest.class)))
    public Uni<Response> create(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("projectId") String projectId,
            @HeaderParam("Idempotency-Key") String idempotencyKey, byte[] body) {
        return requests.caller("POST", uri, headers, body).chain(caller -> {
            String key = IdempotentCommands.requireKey(idempotencyKey);
            CreateTokenRequest request = requests.parse(body, CreateTokenRequest.class);
            return tokens.create(caller, projectId, ApiTokenService.validate(request.name(), request.permissions()), key);
        }).map(issued -> Response.status(issued.secret() == null ? 200 : 201)
                .entity(TokenView.of(issued.token(), issued.secret())).header("Cache-Control", "no-store").build());
    }

    @GET
    public Uni<List<TokenView>> list(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("projectId") String projectId) {
        return requests.caller("GET", uri, headers, null).chain(caller -> tokens.list(caller, projectId))
                .map(list -> list.stream().map(token -> TokenView.of(token, null)).toList());
    }

    @DELETE
    @Path("/{tokenId}")
    public Uni<Response> revoke(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("projectId") String projectId,
            @PathParam("tokenId") String tokenId) {
        return requests.caller("DELETE", uri, headers, null).chain(caller -> tokens.revoke(caller, projectId, tokenId))
                .replaceWith(Response.noContent().build());
    }
}
