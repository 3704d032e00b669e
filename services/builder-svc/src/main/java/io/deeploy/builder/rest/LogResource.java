package io.deeploy.builder.rest;

import io.deeploy.builder.service.Deployer;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.Map;

/** A job's build and app output on this node (the seed system kept 10,000 lines in memory and offered no API). */
@Path("/api/jobs/{jobId}/logs")
@Blocking
public class LogResource {

    static final int MAX_LINES = 10_000;

    private final Deployer deployer;

    public LogResource(Deployer deployer) {
        this.deployer = deployer;
    }

    @GET
    @Produces({MediaType.TEXT_PLAIN, MediaType.APPLICATION_JSON})
    public Response logs(@PathParam("jobId") String jobId, @QueryParam("source") @DefaultValue("app") String source,
            @QueryParam("lines") @DefaultValue("200") int lines) throws IOException {
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

    private static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(Map.of("code", code, "message", message)).build();
    }
}
