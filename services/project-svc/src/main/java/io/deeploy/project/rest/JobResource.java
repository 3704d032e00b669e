package io.deeploy.project.rest;

import io.deeploy.project.service.JobService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

@Path("/api/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {

    private final JobService jobs;

    public JobResource(JobService jobs) {
        this.jobs = jobs;
    }

    @GET
    @Path("/{jobId}")
    public Uni<JobView> get(@HeaderParam(ProjectResource.OWNER) @DefaultValue(ProjectResource.DEFAULT_OWNER) String owner,
            @PathParam("jobId") String jobId) {
        return jobs.get(owner, jobId);
    }

    /** Stops the job on every node; answers 202 because the nodes confirm asynchronously (state STOPPING, then STOPPED). */
    @POST
    @Path("/{jobId}/stop")
    public Uni<Response> stop(@HeaderParam(ProjectResource.OWNER) @DefaultValue(ProjectResource.DEFAULT_OWNER) String owner,
            @PathParam("jobId") String jobId) {
        return jobs.stop(owner, jobId, "stopped by " + owner).map(view -> Response.accepted(view).build());
    }
}
