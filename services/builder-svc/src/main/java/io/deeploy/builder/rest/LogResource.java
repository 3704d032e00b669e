package io.deeploy.builder.rest;

import io.deeploy.builder.config.NodeConfig;
import io.deeploy.builder.service.Deployer;
import io.deeploy.events.LogGrant;
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
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A job's build and app output on this node (the seed system kept 10,000 lines in memory and offered no API). Logs are
 * the tenant's: each request carries a log grant that project-svc issued to the job's owner for this job
 * ({@link LogGrant}), checked with the node token before anything about the job is looked at.
 */
@Path("/api/jobs/{jobId}/logs")
@Blocking
public class LogResource {

    static final int MAX_LINES = 10_000;

    private final Deployer deployer;
    private final NodeConfig node;

    public LogResource(Deployer deployer, NodeConfig node) {
        this.deployer = deployer;
        this.node = node;
    }

    @GET
    @Produces({MediaType.TEXT_PLAIN, MediaType.APPLICATION_JSON})
    public Response logs(@PathParam("jobId") String jobId, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @QueryParam("source") @DefaultValue("app") String source, @QueryParam("lines") @DefaultValue("200") int lines)
            throws IOException {
        Response refused = refusal(node.token(), authorization, jobId, Instant.now());
        if (refused != null) {
            return refused;
        }
        if (lines < 1 || lines > MAX_LINES) {
            return error(400, "INVALID_FIELD", "lines must be 1-" + MAX_LINES);
        }
        if (!"app".equals(source) && !"build".equals(source)) {
            return error(400, "INVALID_FIELD", "source must be app or build");
        }
        String log = "app".equals(source) ? deployer.appLog(jobId, lines) : deployer.buildLog(jobId, lines);
        if (log == null) {
            return error(404, "NO_LOG", "no " + source + " log of " + jobId + " on this node");
        }
        return Response.ok(log, MediaType.TEXT_PLAIN_TYPE).build();
    }

    /**
     * Null when {@code authorization} carries a grant for {@code jobId} that this node's token verifies and that has not
     * expired at {@code now}; otherwise the 401 to answer. The grant is never logged nor echoed: it opens the logs until
     * it expires. A node without a token verifies nothing, so it refuses every request.
     */
    static Response refusal(Optional<String> nodeToken, String authorization, String jobId, Instant now) {
        if (authorization == null || authorization.isBlank()) {
            return unauthorized("LOG_GRANT_MISSING", "reading a job's logs needs 'Authorization: Bearer <log grant>'; its owner "
                    + "gets one for the job from project-svc");
        }
        String grant = authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).strip() : null;
        if (nodeToken.isEmpty()) {
            return unauthorized("LOG_GRANT_INVALID",
                    "this node has no node token (DEEPLOY_NODE_TOKEN), so it can verify no log grant");
        }
        if (grant == null || !LogGrant.permits(nodeToken.get(), grant, jobId, now)) {
            return unauthorized("LOG_GRANT_INVALID", "the log grant is malformed, expired, for another job or not issued for "
                    + "this deployment");
        }
        return null;
    }

    private static Response unauthorized(String code, String message) {
        return Response.status(401).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"deeploy-logs\"")
                .type(MediaType.APPLICATION_JSON_TYPE).entity(Map.of("code", code, "message", message)).build();
    }

    private static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(Map.of("code", code, "message", message)).build();
    }
}
