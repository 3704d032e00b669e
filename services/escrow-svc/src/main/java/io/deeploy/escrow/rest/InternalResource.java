package io.deeploy.escrow.rest;

import io.deeploy.escrow.service.ApiException;
import io.deeploy.escrow.service.ChainJobNodes;
import io.deeploy.escrow.service.ContractRegistry;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Calls for the platform's own services and its operator, not users nor nodes: they present the platform services'
 * internal token (env DEEPLOY_INTERNAL_TOKEN), which no node holds, because activating a job starts its billing. Jobs are activated by their first
 * AppStarted anyway ({@link ChainJobNodes}); this is the manual path.
 */
@Path("/internal")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class InternalResource {

    private final ChainJobNodes nodes;
    private final ContractRegistry registry;
    private final Optional<String> internalToken;

    public InternalResource(ChainJobNodes nodes, ContractRegistry registry,
            @ConfigProperty(name = "deeploy.internal.token") Optional<String> internalToken) {
        this.nodes = nodes;
        this.registry = registry;
        this.internalToken = internalToken;
    }

    public record ActivateRequest(List<String> nodeIds) {
    }

    /** Blocking: answers once the activate transaction is mined. 404 JOB_NOT_FUNDED, 409 when not activatable. */
    @POST
    @Path("/jobs/{jobId}/activate")
    public ChainJobNodes.Activation activate(@PathParam("jobId") String jobId,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, ActivateRequest request) {
        if (!authorized(authorization)) {
            throw new ApiException(401, "INTERNAL_UNAUTHORIZED", null, "the platform's internal token is required");
        }
        return nodes.activate(registry.require(), jobId, request == null ? null : request.nodeIds());
    }

    /** Constant-time comparison, so the token cannot be guessed byte by byte from response times. */
    private boolean authorized(String authorization) {
        if (internalToken.isEmpty() || authorization == null || !authorization.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(internalToken.get().getBytes(StandardCharsets.UTF_8),
                authorization.substring("Bearer ".length()).getBytes(StandardCharsets.UTF_8));
    }
}
