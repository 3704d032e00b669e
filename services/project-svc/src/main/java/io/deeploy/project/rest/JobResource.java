package io.deeploy.project.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.project.client.EscrowClient;
import io.deeploy.project.config.AuthConfig;
import io.deeploy.project.config.BillingConfig;
import io.deeploy.project.config.JobsConfig;
import io.deeploy.project.service.ApiException;
import io.deeploy.project.service.IdempotentCommands;
import io.deeploy.project.service.JobLifecycle;
import io.deeploy.project.service.JobService;
import io.deeploy.project.service.JobSpecValidator;
import io.deeploy.project.service.LogGrantKeys;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

@Path("/api/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {

    private final JobService jobs;
    private final ApiRequests requests;
    private final LogGrantKeys grantKeys;
    private final AuthConfig auth;
    private final BillingConfig billing;
    private final EscrowClient escrow;
    private final JobLifecycle lifecycle;
    private final JobSpecValidator.Rules rules;

    public JobResource(JobService jobs, ApiRequests requests, LogGrantKeys grantKeys, AuthConfig auth, BillingConfig billing,
            EscrowClient escrow, JobLifecycle lifecycle, JobsConfig jobsConfig) {
        this.lifecycle = lifecycle;
        this.rules = new JobSpecValidator.Rules(jobsConfig.allowPrivateRepositories(), jobsConfig.allowUnrestrictedEgress());
        this.billing = billing;
        this.escrow = escrow;
        this.jobs = jobs;
        this.requests = requests;
        this.grantKeys = grantKeys;
        this.auth = auth;
    }

    @GET
    @Path("/{jobId}")
    public Uni<JobView> get(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("jobId") String jobId) {
        return requests.caller("GET", uri, headers, null).chain(caller -> jobs.get(caller, jobId));
    }

    /**
     * Stops the job on every node (needs the redeem permission: on chain a stop closes the job and refunds what is
     * left); answers 202 because the nodes confirm asynchronously (state STOPPING, then STOPPED). Stopping again
     * changes nothing, so a retry needs no idempotency key.
     */
    @POST
    @Path("/{jobId}/stop")
    public Uni<Response> stop(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("jobId") String jobId, byte[] body) {
        return requests.caller("POST", uri, headers, body).chain(caller -> jobs.stop(caller, jobId))
                .map(view -> Response.accepted(view).build());
    }

    /**
     * Adds epochs to the job's paid time ({@code {"epochs": N}}, 1-3650; the extend permission; an Idempotency-Key, so a
     * retry extends once). Unpaid mode: at once, answered with the job. Escrow mode: answered with what the owner's wallet
     * signs (escrow-svc's approve and extendJob, exactly), and the job's paid time moves once the chain confirms them.
     */
    @POST
    @Path("/{jobId}/extend")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Object> extend(@Context UriInfo uri, @Context HttpHeaders headers,
            @HeaderParam("Idempotency-Key") String idempotencyKey, @PathParam("jobId") String jobId, byte[] body) {
        return requests.caller("POST", uri, headers, body).chain(caller -> {
            String key = IdempotentCommands.requireKey(idempotencyKey);
            ExtendJobRequest request = requests.parse(body, ExtendJobRequest.class);
            if (request.epochs() == null || request.epochs() < 1 || request.epochs() > 3650) {
                throw ApiException.invalid("epochs", "epochs must be 1-3650");
            }
            if (billing.mode() == BillingConfig.Mode.ESCROW) {
                return jobs.extendableOnChain(caller, jobId).chain(job -> escrow.extension(job.id, request.epochs()))
                        .map(transactions -> (Object) transactions);
            }
            return jobs.extend(caller, jobId, request.epochs(), request, key).map(view -> (Object) view);
        });
    }

    /**
     * Edits the live job ({@link EditJobRequest}: only the fields given change): the next revision of its spec, deployed
     * beside what serves and switched to once healthy, alias and URL kept. Checked as at creation (400 naming the field,
     * FIELD_NOT_EDITABLE for what an edit does not change, and nothing changes); the create permission; an
     * Idempotency-Key, so a retry makes one revision.
     */
    @PATCH
    @Path("/{jobId}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequestBody(content = @Content(schema = @Schema(implementation = EditJobRequest.class)))
    public Uni<JobView> edit(@Context UriInfo uri, @Context HttpHeaders headers,
            @HeaderParam("Idempotency-Key") String idempotencyKey, @PathParam("jobId") String jobId, byte[] body) {
        return requests.caller("PATCH", uri, headers, body).chain(caller -> {
            String key = IdempotentCommands.requireKey(idempotencyKey);
            JsonNode fields = requests.parse(body, JsonNode.class);
            if (!fields.isObject()) {
                throw new ApiException(400, "MALFORMED_BODY", null, "an edit is a JSON object of the fields to change");
            }
            fields.fieldNames().forEachRemaining(field -> {
                if (EditJobRequest.NOT_EDITABLE.contains(field)) {
                    throw new ApiException(400, "FIELD_NOT_EDITABLE", field, field + " is not changed by an edit"
                            + (field.equals("durationEpochs") ? " (extend the job instead)" : ""));
                }
                if (!EditJobRequest.EDITABLE.contains(field)) {
                    throw ApiException.invalid(field, "a job has no field " + field);
                }
            });
            EditJobRequest edit = requests.parse(body, EditJobRequest.class);
            return lifecycle.edit(caller, jobId, edit, rules, key);
        });
    }

    /**
     * Runs the job on other nodes ({@link ScaleJobRequest}: a count, or the nodes named), as a new revision that keeps
     * the nodes it runs on wherever it can (the nodes permission; an Idempotency-Key). Unpaid mode, and escrow mode for
     * at most the nodes its chain job pays for: at once, answered with the job; in escrow mode fewer nodes are given up
     * on chain and refunded from the next epoch. Escrow mode, more nodes than paid for: answered with what the owner's
     * wallet signs (escrow-svc's approve and addNodes, exactly), and the job is scaled once the chain confirms them.
     */
    @POST
    @Path("/{jobId}/nodes")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Object> scale(@Context UriInfo uri, @Context HttpHeaders headers,
            @HeaderParam("Idempotency-Key") String idempotencyKey, @PathParam("jobId") String jobId, byte[] body) {
        return requests.caller("POST", uri, headers, body).chain(caller -> {
            String key = IdempotentCommands.requireKey(idempotencyKey);
            ScaleJobRequest request = requests.parse(body, ScaleJobRequest.class);
            if (billing.mode() != BillingConfig.Mode.ESCROW) {
                return lifecycle.scale(caller, jobId, request, key).map(view -> (Object) view);
            }
            return lifecycle.nodesToBuy(caller, jobId, request).chain(total -> total == null
                    ? lifecycle.scale(caller, jobId, request, key).map(view -> (Object) view)
                    : escrow.nodePurchase(jobId, total).call(() -> lifecycle.awaitNodesPaid(jobId, request))
                            .map(transactions -> (Object) transactions));
        });
    }

    /**
     * A new revision of the job's spec, deployed anew on its nodes without downtime (the create permission; an
     * Idempotency-Key): its branch fetched and built again (WAR), its image pulled again (CAR).
     */
    @POST
    @Path("/{jobId}/restart")
    public Uni<JobView> restart(@Context UriInfo uri, @Context HttpHeaders headers,
            @HeaderParam("Idempotency-Key") String idempotencyKey, @PathParam("jobId") String jobId, byte[] body) {
        return deployAgain(uri, headers, idempotencyKey, jobId, body, "restarted");
    }

    /** As {@link #restart}; the history says "redeployed". */
    @POST
    @Path("/{jobId}/redeploy")
    public Uni<JobView> redeploy(@Context UriInfo uri, @Context HttpHeaders headers,
            @HeaderParam("Idempotency-Key") String idempotencyKey, @PathParam("jobId") String jobId, byte[] body) {
        return deployAgain(uri, headers, idempotencyKey, jobId, body, "redeployed");
    }

    private Uni<JobView> deployAgain(UriInfo uri, HttpHeaders headers, String idempotencyKey, String jobId, byte[] body,
            String verb) {
        return requests.caller("POST", uri, headers, body)
                .chain(caller -> lifecycle.deployAgain(caller, jobId, verb, IdempotentCommands.requireKey(idempotencyKey)));
    }

    /**
     * Back to an earlier revision and/or a commit that served ({@link RollbackJobRequest}); a commit pauses auto-deploy
     * until {@code resume}.
     */
    @POST
    @Path("/{jobId}/rollback")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<JobView> rollback(@Context UriInfo uri, @Context HttpHeaders headers,
            @HeaderParam("Idempotency-Key") String idempotencyKey, @PathParam("jobId") String jobId, byte[] body) {
        return requests.caller("POST", uri, headers, body).chain(caller -> {
            String key = IdempotentCommands.requireKey(idempotencyKey);
            RollbackJobRequest request = requests.parse(body, RollbackJobRequest.class);
            if (request.revision() == null && (request.commit() == null || request.commit().isBlank())) {
                throw ApiException.invalid("revision", "name the revision or the commit (or both) to roll back to");
            }
            if (request.revision() != null && request.revision() < 0) {
                throw ApiException.invalid("revision", "revisions count from 0");
            }
            return lifecycle.rollback(caller, jobId, request, key);
        });
    }

    /** A rolled-back WAR job follows its branch again: the head is deployed, and every new commit after it. */
    @POST
    @Path("/{jobId}/resume")
    public Uni<JobView> resume(@Context UriInfo uri, @Context HttpHeaders headers,
            @HeaderParam("Idempotency-Key") String idempotencyKey, @PathParam("jobId") String jobId, byte[] body) {
        return requests.caller("POST", uri, headers, body)
                .chain(caller -> lifecycle.resume(caller, jobId, IdempotentCommands.requireKey(idempotencyKey)));
    }

    /** The job's revisions, newest first, and each commit or image that served it. */
    @GET
    @Path("/{jobId}/versions")
    public Uni<JobLifecycle.Versions> versions(@Context UriInfo uri, @Context HttpHeaders headers,
            @PathParam("jobId") String jobId) {
        return requests.caller("GET", uri, headers, null).chain(caller -> lifecycle.versions(caller, jobId));
    }

    /**
     * A grant, valid for a few minutes, to read this job's build and app logs from the agents of its nodes
     * ({@code GET /api/jobs/{id}/logs} on the agent, {@code Authorization: Bearer <grant>}).
     */
    @GET
    @Path("/{jobId}/log-grant")
    public Uni<Response> logGrant(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("jobId") String jobId) {
        return requests.caller("GET", uri, headers, null)
                .chain(caller -> jobs.logGrant(caller, jobId, grantKeys.keys().getPrivate(), auth.logGrantTtl()))
                .map(grant -> Response.ok(grant).header("Cache-Control", "no-store").build());
    }
}
