package io.deeploy.project.rest;

import io.deeploy.node.api.LogBatch;
import io.deeploy.project.service.ApiException;
import io.deeploy.project.service.JobLogService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Where the node gateway (scheduler-svc) hands on a batch of a job's output that a node sent, once it has checked the
 * node's signature and that the job is placed there; {@code nodeId} is the node the gateway authenticated. Only the
 * platform's services hold the internal token; nodes never call this.
 */
@Path("/internal/jobs/{jobId}/logs")
public class NodeLogsResource {

    /** What the gateway sends: the node it authenticated and that node's batch. */
    public record NodeLogBatch(String nodeId, LogBatch batch) {
    }

    private final JobLogService logs;
    private final InternalToken internalToken;
    private final ApiRequests requests;

    public NodeLogsResource(JobLogService logs, InternalToken internalToken, ApiRequests requests) {
        this.logs = logs;
        this.internalToken = internalToken;
        this.requests = requests;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public Uni<Map<String, Integer>> append(@PathParam("jobId") String jobId, @HeaderParam("Authorization") String authorization,
            byte[] body) {
        internalToken.require(authorization);
        NodeLogBatch sent = requests.parse(body, NodeLogBatch.class);
        if (sent.nodeId() == null || sent.nodeId().isBlank() || sent.batch() == null) {
            throw ApiException.invalid("batch", "a node id and its batch");
        }
        String problem = sent.batch().problem();
        if (problem != null) {
            throw ApiException.invalid(problem.substring(0, problem.indexOf(':')), problem);
        }
        return logs.append(jobId, sent.nodeId(), sent.batch()).map(kept -> Map.of("kept", kept));
    }
}
