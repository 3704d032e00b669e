package io.deeploy.project.rest;

import io.deeploy.project.service.JobWebhookService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/**
 * A WAR job's push webhook ({@link JobWebhookService}): POST makes or rotates it and answers its URL and secret (201,
 * shown this once), GET shows its URL, DELETE removes it. The create permission, as for editing the job.
 */
@Path("/api/jobs/{jobId}/webhook")
@Produces(MediaType.APPLICATION_JSON)
public class JobWebhookResource {

    /** The webhook as made: {@code url} is where the forge delivers, {@code secret} what it signs with. */
    public record Created(String jobId, String url, String secret, java.time.Instant createdAt) {
    }

    /** The webhook as shown later, without its secret. */
    public record Described(String jobId, String url, java.time.Instant createdAt) {
    }

    private final JobWebhookService webhooks;
    private final ApiRequests requests;

    public JobWebhookResource(JobWebhookService webhooks, ApiRequests requests) {
        this.webhooks = webhooks;
        this.requests = requests;
    }

    @POST
    public Uni<Response> create(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("jobId") String jobId,
            byte[] body) {
        return requests.caller("POST", uri, headers, body).chain(caller -> webhooks.create(caller, jobId))
                .map(made -> Response.status(201).header("Cache-Control", "no-store")
                        .entity(new Created(made.jobId(), url(uri, made.path()), made.secret(), made.createdAt())).build());
    }

    @GET
    public Uni<Described> describe(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("jobId") String jobId) {
        return requests.caller("GET", uri, headers, null).chain(caller -> webhooks.describe(caller, jobId))
                .map(hook -> new Described(hook.jobId(), url(uri, hook.path()), hook.createdAt()));
    }

    @DELETE
    public Uni<Response> delete(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("jobId") String jobId) {
        return requests.caller("DELETE", uri, headers, null).chain(caller -> webhooks.delete(caller, jobId))
                .map(deleted -> Response.noContent().build());
    }

    /** The webhook's URL as this API was reached (its public address behind a proxy that forwards the host). */
    private static String url(UriInfo uri, String path) {
        return uri.getBaseUri().resolve(path).toString();
    }
}
