package io.deeploy.project.rest;

import io.deeploy.events.payload.JobSpec;
import io.deeploy.project.service.IdempotentCommands;
import io.deeploy.project.service.JobSpecValidator;
import io.deeploy.project.service.JobService;
import io.deeploy.project.service.ProjectService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;

/**
 * Projects and the jobs in them. Until signed requests arrive, the caller names itself in {@code X-Deeploy-Owner}
 * (default {@code local}, the single user of a self-hosted development platform).
 */
@Path("/api/projects")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ProjectResource {

    static final String OWNER = "X-Deeploy-Owner";
    static final String DEFAULT_OWNER = "local";

    private final ProjectService projects;
    private final JobService jobs;

    public ProjectResource(ProjectService projects, JobService jobs) {
        this.projects = projects;
        this.jobs = jobs;
    }

    @POST
    public Uni<Response> create(@HeaderParam(OWNER) @DefaultValue(DEFAULT_OWNER) String owner,
            @HeaderParam("Idempotency-Key") String idempotencyKey, CreateProjectRequest request) {
        String key = IdempotentCommands.requireKey(idempotencyKey);
        ProjectService.validName(request);
        return projects.create(owner, request, key).map(ProjectView::of)
                .map(view -> Response.created(URI.create("/api/projects/" + view.id())).entity(view).build());
    }

    @GET
    public Uni<List<ProjectView>> list(@HeaderParam(OWNER) @DefaultValue(DEFAULT_OWNER) String owner) {
        return projects.list(owner).map(list -> list.stream().map(ProjectView::of).toList());
    }

    @GET
    @Path("/{projectId}")
    public Uni<ProjectView> get(@HeaderParam(OWNER) @DefaultValue(DEFAULT_OWNER) String owner, @PathParam("projectId") String projectId) {
        return projects.get(owner, projectId).map(ProjectView::of);
    }

    @DELETE
    @Path("/{projectId}")
    public Uni<Response> delete(@HeaderParam(OWNER) @DefaultValue(DEFAULT_OWNER) String owner, @PathParam("projectId") String projectId) {
        return projects.delete(owner, projectId).replaceWith(Response.noContent().build());
    }

    @POST
    @Path("/{projectId}/jobs")
    public Uni<Response> createJob(@HeaderParam(OWNER) @DefaultValue(DEFAULT_OWNER) String owner,
            @HeaderParam("Idempotency-Key") String idempotencyKey, @PathParam("projectId") String projectId,
            CreateJobRequest request) {
        String key = IdempotentCommands.requireKey(idempotencyKey);
        JobSpec spec = JobSpecValidator.validate(request);
        return jobs.create(owner, projectId, spec, request, key)
                .map(view -> Response.created(URI.create("/api/jobs/" + view.id())).entity(view).build());
    }

    @GET
    @Path("/{projectId}/jobs")
    public Uni<List<JobView>> listJobs(@HeaderParam(OWNER) @DefaultValue(DEFAULT_OWNER) String owner,
            @PathParam("projectId") String projectId) {
        return jobs.list(owner, projectId);
    }
}
