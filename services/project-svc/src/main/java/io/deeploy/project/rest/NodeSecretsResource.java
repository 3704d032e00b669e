package io.deeploy.project.rest;

import io.deeploy.project.service.JobSecretService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Where the node gateway (scheduler-svc) reads the secrets of a job (git token, secret env values, registry and tunnel
 * tokens) for a node the job is allocated to, which the gateway has checked. Only the platform's services hold the
 * internal token; nodes never call this.
 */
@Path("/internal/jobs/{jobId}/secrets")
@Produces(MediaType.APPLICATION_JSON)
public class NodeSecretsResource {

    private final JobSecretService secrets;
    private final InternalToken internalToken;

    public NodeSecretsResource(JobSecretService secrets, InternalToken internalToken) {
        this.secrets = secrets;
        this.internalToken = internalToken;
    }

    public record JobSecrets(Map<String, String> secrets) {
    }

    @GET
    @Operation(hidden = true)
    public Uni<Response> read(@PathParam("jobId") String jobId, @HeaderParam("Authorization") String authorization) {
        internalToken.require(authorization);
        return secrets.forGateway(jobId).map(values -> Response.ok(new JobSecrets(values))
                .header("Cache-Control", "no-store").build());
    }
}
