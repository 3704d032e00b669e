package io.deeploy.project.rest;

import io.deeploy.project.service.JobWebhookService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Where GitHub, GitLab and Gitea deliver a job's pushes ({@code /api/hooks/{id}}, the URL its webhook was given). Not
 * signed by a wallet: each delivery proves, by its forge's own scheme, that it holds the webhook's secret. 202 with what
 * it did (a revision, or why it was ignored); 404 for no such webhook, 401 for a delivery without the secret.
 */
@Path(JobWebhookService.HOOKS_PATH + "{hookId}")
public class PushResource {

    private final JobWebhookService webhooks;

    public PushResource(JobWebhookService webhooks) {
        this.webhooks = webhooks;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> deliver(@Context HttpHeaders headers, @PathParam("hookId") String hookId, byte[] body) {
        return webhooks.deliver(hookId, headers::getHeaderString, body == null ? new byte[0] : body)
                .map(delivered -> Response.accepted(delivered).build());
    }
}
