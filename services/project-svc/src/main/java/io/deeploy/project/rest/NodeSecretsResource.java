package io.deeploy.project.rest;

import io.deeploy.project.config.SecretsConfig;
import io.deeploy.project.service.ApiException;
import io.deeploy.project.service.JobSecretService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Where a node agent reads the secrets of a job placed on its node (git token, secret env values). Agents authenticate
 * with the deployment's node token; across machines this endpoint must sit behind TLS.
 */
@Path("/internal/jobs/{jobId}/secrets")
@Produces(MediaType.APPLICATION_JSON)
public class NodeSecretsResource {

    public static final String NODE_HEADER = "X-Deeploy-Node";

    private final JobSecretService secrets;
    private final SecretsConfig config;

    public NodeSecretsResource(JobSecretService secrets, SecretsConfig config) {
        this.secrets = secrets;
        this.config = config;
    }

    public record JobSecrets(Map<String, String> secrets) {
    }

    @GET
    @Operation(hidden = true)
    public Uni<Response> read(@PathParam("jobId") String jobId, @HeaderParam("Authorization") String authorization,
            @HeaderParam(NODE_HEADER) String nodeId) {
        if (!authorized(authorization)) {
            throw new ApiException(401, "NODE_UNAUTHORIZED", null, "a node token is required");
        }
        if (nodeId == null || nodeId.isBlank()) {
            throw new ApiException(400, "INVALID_FIELD", NODE_HEADER, NODE_HEADER + " names the asking node");
        }
        return secrets.forNode(jobId, nodeId).map(values -> Response.ok(new JobSecrets(values))
                .header("Cache-Control", "no-store").build());
    }

    /** Constant-time comparison, so the token cannot be guessed byte by byte from response times. */
    private boolean authorized(String authorization) {
        if (config.nodeToken().isEmpty() || authorization == null || !authorization.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(config.nodeToken().get().getBytes(StandardCharsets.UTF_8),
                authorization.substring("Bearer ".length()).getBytes(StandardCharsets.UTF_8));
    }
}
