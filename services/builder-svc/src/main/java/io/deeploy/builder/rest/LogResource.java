package io.deeploy.builder.rest;

import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.builder.client.GatewayClient;
import io.deeploy.builder.service.Reconciler;
import io.deeploy.builder.service.WarBuilder;
import io.deeploy.events.ApiError;
import io.deeploy.node.Ed25519Keys;
import io.deeploy.node.LogGrant;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.security.PublicKey;
import java.time.Instant;

/**
 * A job's build and app output on this node (the seed system kept 10,000 lines in memory and offered no API). Logs are
 * the tenant's: each request carries a log grant that project-svc issued to whoever may read the job ({@link LogGrant}),
 * checked with the platform's public grant key before anything about the job is looked at. This node can verify
 * grants and cannot make one.
 */
@Path("/api/jobs/{jobId}/logs")
@Blocking
public class LogResource {

    static final int MAX_LINES = 10_000;

    private final Reconciler reconciler;
    private final WarBuilder builds;
    private final ContainerRuntime containers;
    private final GatewayClient gateway;

    public LogResource(Reconciler reconciler, WarBuilder builds, ContainerRuntime containers, GatewayClient gateway) {
        this.reconciler = reconciler;
        this.builds = builds;
        this.containers = containers;
        this.gateway = gateway;
    }

    @GET
    @Produces({MediaType.TEXT_PLAIN, MediaType.APPLICATION_JSON})
    public Response logs(@PathParam("jobId") String jobId, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @QueryParam("source") @DefaultValue("app") String source, @QueryParam("lines") @DefaultValue("200") int lines)
            throws IOException {
        Response refused = refusal(grantKey(), authorization, jobId, Instant.now());
        if (refused != null) {
            return refused;
        }
        if (lines < 1 || lines > MAX_LINES) {
            return error(400, "INVALID_FIELD", "lines must be 1-" + MAX_LINES);
        }
        if (!"app".equals(source) && !"build".equals(source)) {
            return error(400, "INVALID_FIELD", "source must be app or build");
        }
        String log;
        if ("app".equals(source)) {
            String container = reconciler.servingContainer(jobId);
            log = container == null ? null : containers.logTail(container, lines);
        } else {
            log = builds.buildLog(jobId, lines);
        }
        if (log == null) {
            return error(404, "NO_LOG", "no " + source + " log of " + jobId + " on this node");
        }
        return Response.ok(log, MediaType.TEXT_PLAIN_TYPE).build();
    }

    /** The platform's grant key, as the gateway tells it; null while the gateway cannot be asked. */
    private PublicKey grantKey() {
        try {
            String key = gateway.platform().logGrantKey();
            return key == null ? null : Ed25519Keys.decodePublic(key);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Null when {@code authorization} carries a grant for {@code jobId} that the platform's key verifies and that has not
     * expired at {@code now}; otherwise the 401 to answer. The grant is never logged nor echoed: it opens the logs until
     * it expires. A node that does not know the platform's key verifies nothing, so it refuses every request.
     */
    static Response refusal(PublicKey grantKey, String authorization, String jobId, Instant now) {
        if (authorization == null || authorization.isBlank()) {
            return unauthorized("LOG_GRANT_MISSING", "reading a job's logs needs 'Authorization: Bearer <log grant>'; whoever "
                    + "may read the job gets one from the platform's API (GET /api/jobs/{id}/log-grant)");
        }
        String grant = authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).strip() : null;
        if (grantKey == null) {
            return unauthorized("LOG_GRANT_INVALID", "this node does not know the platform's grant key yet (the gateway is "
                    + "unreachable), so it can verify no log grant");
        }
        if (grant == null || !LogGrant.permits(grantKey, grant, jobId, now)) {
            return unauthorized("LOG_GRANT_INVALID", "the log grant is malformed, expired, for another job or not issued by "
                    + "this node's platform");
        }
        return null;
    }

    private static Response unauthorized(String code, String message) {
        return Response.status(401).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"deeploy-logs\"")
                .type(MediaType.APPLICATION_JSON_TYPE).entity(ApiError.of(code, message)).build();
    }

    private static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(ApiError.of(code, message)).build();
    }
}
