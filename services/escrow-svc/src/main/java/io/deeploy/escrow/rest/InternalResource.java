package io.deeploy.escrow.rest;

import io.deeploy.escrow.service.ChainJobLifecycle;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * Calls other backend services make (bound to 127.0.0.1 like the rest of the API; not for users). The scheduler
 * activates a funded job on chain once its nodes run it.
 */
@Path("/internal")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class InternalResource {

    private final ChainJobLifecycle lifecycle;

    public InternalResource(ChainJobLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    public record ActivateRequest(List<String> nodeIds) {
    }

    /** Blocking: answers once the activate transaction is mined. 404 JOB_NOT_FUNDED, 409 when not activatable. */
    @POST
    @Path("/jobs/{jobId}/activate")
    public ChainJobLifecycle.Activation activate(@PathParam("jobId") String jobId, ActivateRequest request) {
        return lifecycle.activate(jobId, request == null ? null : request.nodeIds());
    }
}
