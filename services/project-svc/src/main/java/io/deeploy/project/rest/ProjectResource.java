package io.deeploy.project.rest;

import io.deeploy.events.payload.JobSpec;
import io.deeploy.project.service.IdempotentCommands;
import io.deeploy.project.service.JobService;
import io.deeploy.project.config.JobsConfig;
import io.deeploy.project.service.JobSpecValidator;
import io.deeploy.project.service.PageRequest;
import io.deeploy.project.service.ProjectService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Projects and the jobs in them. Every call is authenticated (a wallet signature or an API token, see
 * {@link AuthResource}); a project belongs to the address that created it.
 */
@Path("/api/projects")
@Produces(MediaType.APPLICATION_JSON)
public class ProjectResource {

    private final ProjectService projects;
    private final JobService jobs;
    private final ApiRequests requests;
    private final JobSpecValidator.Rules rules;

    public ProjectResource(ProjectService projects, JobService jobs, ApiRequests requests, JobsConfig jobsConfig) {
        this.rules = new JobSpecValidator.Rules(jobsConfig.allowPrivateRepositories(),
                jobsConfig.allowUnrestrictedEgress());
        this.projects = projects;
        this.jobs = jobs;
        this.requests = requests;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequestBody(content = @Content(schema = @Schema(implementation = CreateProjectRequest.class)))
    public Uni<Response> create(@Context UriInfo uri, @Context HttpHeaders headers,
            @HeaderParam("Idempotency-Key") String idempotencyKey, byte[] body) {
        return requests.caller("POST", uri, headers, body).chain(caller -> {
            String key = IdempotentCommands.requireKey(idempotencyKey);
            CreateProjectRequest request = requests.parse(body, CreateProjectRequest.class);
            ProjectService.validName(request);
            return projects.create(caller, request, key);
        }).map(ProjectView::of).map(view -> Response.created(URI.create("/api/projects/" + view.id())).entity(view).build());
    }

    /**
     * A page of the caller's projects, or with {@code owner} those of an owner the caller is a delegate of
     * ({@code limit}, default 100, at most 500; {@code after} a project id), with a {@code rel="next"} link while more
     * follow.
     */
    @GET
    public Uni<Response> list(@Context UriInfo uri, @Context HttpHeaders headers, @QueryParam("owner") String owner,
            @QueryParam("limit") String limit, @QueryParam("after") String after) {
        return requests.caller("GET", uri, headers, null).chain(caller -> {
            PageRequest page = PageRequest.of(limit, after);
            return projects.list(caller, owner == null ? null : ApiRequests.address(owner, "owner"), page)
                    .map(projects -> Pages.ok(uri, page, projects, projects.items().stream().map(ProjectView::of).toList()));
        });
    }

    @GET
    @Path("/{projectId}")
    public Uni<ProjectView> get(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("projectId") String projectId) {
        return requests.caller("GET", uri, headers, null).chain(caller -> projects.get(caller, projectId)).map(ProjectView::of);
    }

    @DELETE
    @Path("/{projectId}")
    public Uni<Response> delete(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("projectId") String projectId) {
        return requests.caller("DELETE", uri, headers, null).chain(caller -> projects.delete(caller, projectId))
                .replaceWith(Response.noContent().build());
    }

    @POST
    @Path("/{projectId}/jobs")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequestBody(content = @Content(schema = @Schema(implementation = CreateJobRequest.class)))
    public Uni<Response> createJob(@Context UriInfo uri, @Context HttpHeaders headers,
            @HeaderParam("Idempotency-Key") String idempotencyKey, @PathParam("projectId") String projectId, byte[] body) {
        return requests.caller("POST", uri, headers, body).chain(caller -> {
            String key = IdempotentCommands.requireKey(idempotencyKey);
            CreateJobRequest request = requests.parse(body, CreateJobRequest.class);
            JobSpec spec = JobSpecValidator.validate(request, rules);
            return jobs.create(caller, projectId, spec, request, key);
        }).map(view -> Response.created(URI.create("/api/jobs/" + view.id())).entity(view).build());
    }

    /** A page of the project's jobs in creation order ({@code limit}, {@code after}: as for projects). */
    @GET
    @Path("/{projectId}/jobs")
    public Uni<Response> listJobs(@Context UriInfo uri, @Context HttpHeaders headers,
            @PathParam("projectId") String projectId, @QueryParam("limit") String limit, @QueryParam("after") String after) {
        return requests.caller("GET", uri, headers, null).chain(caller -> {
            PageRequest page = PageRequest.of(limit, after);
            return jobs.list(caller, projectId, page).map(jobs -> Pages.ok(uri, page, jobs, jobs.items()));
        });
    }
}
