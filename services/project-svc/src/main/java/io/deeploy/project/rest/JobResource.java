package io.deeploy.project.rest;

import io.deeploy.project.client.EscrowClient;
import io.deeploy.project.config.AuthConfig;
import io.deeploy.project.config.BillingConfig;
import io.deeploy.project.service.ApiException;
import io.deeploy.project.service.IdempotentCommands;
import io.deeploy.project.service.JobService;
import io.deeploy.project.service.LogGrantKeys;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

@Path("/api/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {

    private final JobService jobs;
    private final ApiRequests requests;
    private final LogGrantKeys grantKeys;
    private final AuthConfig auth;
    private final BillingConfig billing;
    private final EscrowClient escrow;

    public JobResource(JobService jobs, ApiRequests requests, LogGrantKeys grantKeys, AuthConfig auth, BillingConfig billing,
            EscrowClient escrow) {
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
