package io.deeploy.scheduler.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.deeploy.events.EventCodec;
import io.deeploy.events.JobIds;
import io.deeploy.events.payload.Resources;
import io.deeploy.node.NodeRequest;
import io.deeploy.node.NodeRequestVerifier;
import io.deeploy.node.api.DesiredAllocations;
import io.deeploy.node.api.GatewayApi;
import io.deeploy.node.api.Heartbeat;
import io.deeploy.node.api.JobSecrets;
import io.deeploy.node.api.LogBatch;
import io.deeploy.node.api.PlatformInfo;
import io.deeploy.node.api.Refusal;
import io.deeploy.node.api.StatusReport;
import io.deeploy.scheduler.client.ProjectClient;
import io.deeploy.scheduler.config.GatewayConfig;
import io.deeploy.signing.Audience;
import io.deeploy.scheduler.repository.AllocationRepository;
import io.deeploy.scheduler.service.DesiredStateService;
import io.deeploy.scheduler.service.GatewayException;
import io.deeploy.scheduler.service.NodeAuthenticator;
import io.deeploy.scheduler.service.NodeRegistry;
import io.deeploy.scheduler.service.StatusReportService;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
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
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The node gateway: the one door of edge nodes into the platform (served on its own listener, {@link GatewayListener}).
 * Every call but {@code /platform} is signed by the node's registered key; the node id every step uses is the proven
 * one. A node heartbeats, pulls the allocations desired for it, reports what happens to them, and reads the secrets of
 * an allocation desired on it, nothing else. Agents never reach Kafka or the platform's databases.
 */
@Path(GatewayApi.ROOT)
@Produces(MediaType.APPLICATION_JSON)
public class GatewayResource {

    static final int MAX_TAGS = 64;
    static final int MAX_ALLOCATIONS = 10_000;

    private final NodeAuthenticator authenticator;
    private final NodeRegistry registry;
    private final DesiredStateService desired;
    private final StatusReportService reports;
    private final AllocationRepository allocations;
    private final ProjectClient project;
    private final GatewayConfig config;
    private final Audience audience;

    public GatewayResource(NodeAuthenticator authenticator, NodeRegistry registry, DesiredStateService desired,
            StatusReportService reports, AllocationRepository allocations, ProjectClient project, GatewayConfig config,
            Audience audience) {
        this.audience = audience;
        this.authenticator = authenticator;
        this.registry = registry;
        this.desired = desired;
        this.reports = reports;
        this.allocations = allocations;
        this.project = project;
        this.config = config;
    }

    /** What a node needs before it signs anything; public. */
    @GET
    @Path("/platform")
    @Operation(hidden = true)
    public Uni<PlatformInfo> platform() {
        return project.logGrantKey().map(key -> new PlatformInfo(audience.value(), key, System.currentTimeMillis()));
    }

    /**
     * An operator's node registration, signed by the operator's wallet for the platform's API ({@code POST /api/nodes}),
     * handed on to it unchanged: a node joins by the gateway's address alone. Not signed by a node (it is not registered
     * yet); the wallet signature is checked by project-svc, and a gateway cannot alter what it covers.
     */
    @POST
    @Path("/register")
    @Operation(hidden = true)
    public Uni<Response> register(@Context HttpHeaders headers, byte[] body) {
        if (body == null || body.length == 0 || body.length > 4096) {
            return Uni.createFrom().failure(new GatewayException(400, "MALFORMED_BODY", "a node registration of at most 4 KiB"));
        }
        java.util.Map<String, String> signature = new java.util.LinkedHashMap<>();
        for (String header : REGISTRATION_HEADERS) {
            String value = headers.getHeaderString(header);
            if (value != null) {
                signature.put(header, value);
            }
        }
        return project.register(signature, body).map(answer -> Response.status(answer.status())
                .type(MediaType.APPLICATION_JSON_TYPE).entity(answer.body()).build());
    }

    /** The headers of a wallet-signed API request (io.deeploy.signing.SignedRequest), passed on with a registration. */
    static final java.util.List<String> REGISTRATION_HEADERS = java.util.List.of("X-Deeploy-Sender", "X-Deeploy-Nonce",
            "X-Deeploy-Signature", "Idempotency-Key");

    @POST
    @Path("/heartbeat")
    @Operation(hidden = true)
    public Uni<Response> heartbeat(@Context UriInfo uri, @Context HttpHeaders headers, byte[] body) {
        return authenticate("POST", uri, headers, body).chain(node -> {
            Heartbeat heartbeat = checked(parse(body, Heartbeat.class));
            return registry.record(node.nodeId(), node.address(), heartbeat, Instant.now())
                    .map(applied -> Response.ok(java.util.Map.of("applied", applied, "status", node.status())).build());
        });
    }

    @GET
    @Path("/allocations")
    @Operation(hidden = true)
    public Uni<DesiredAllocations> allocations(@Context UriInfo uri, @Context HttpHeaders headers,
            @QueryParam("index") @DefaultValue("0") long index, @QueryParam("wait") @DefaultValue("0") int waitSeconds) {
        return authenticate("GET", uri, headers, null).chain(node -> {
            Duration wait = Duration.ofSeconds(Math.max(0, Math.min(waitSeconds, GatewayApi.MAX_WAIT_SECONDS)));
            return desired.desired(node.nodeId(), index, wait.compareTo(config.maxWait()) > 0 ? config.maxWait() : wait);
        });
    }

    @POST
    @Path("/allocations/{jobId}/reports")
    @Operation(hidden = true)
    public Uni<Response> report(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("jobId") String jobId,
            byte[] body) {
        return authenticate("POST", uri, headers, body).chain(node -> {
            checkJobId(jobId);
            return reports.accept(node, jobId, parse(body, StatusReport.class));
        }).map(applied -> Response.ok(java.util.Map.of("applied", applied)).build());
    }

    /**
     * A batch of the job's output on the calling node, handed to project-svc, which keeps it for whoever may read the
     * job. Only a job allocated to that node (to run, or stopping there) is taken; the node is who signed, never what
     * the body says.
     */
    @POST
    @Path("/allocations/{jobId}/logs")
    @Operation(hidden = true)
    public Uni<Response> logs(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("jobId") String jobId,
            byte[] body) {
        return authenticate("POST", uri, headers, body).chain(node -> {
            checkJobId(jobId);
            LogBatch batch = parse(body, LogBatch.class);
            String problem = batch.problem();
            if (problem != null) {
                throw new GatewayException(400, "INVALID_FIELD", problem);
            }
            return Panache.withSession(() -> allocations.find(jobId, node.nodeId())).chain(allocation -> {
                if (allocation == null) {
                    throw new GatewayException(404, "ALLOCATION_NOT_FOUND", "job " + jobId + " is not allocated to node "
                            + node.nodeId());
                }
                return project.logs(jobId, node.nodeId(), batch);
            });
        }).map(kept -> Response.accepted(java.util.Map.of("kept", kept)).build());
    }

    @GET
    @Path("/allocations/{jobId}/secrets")
    @Operation(hidden = true)
    public Uni<Response> secrets(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("jobId") String jobId) {
        return authenticate("GET", uri, headers, null).chain(node -> {
            checkJobId(jobId);
            return Panache.withSession(() -> allocations.find(jobId, node.nodeId())).chain(allocation -> {
                if (allocation == null) {
                    throw new GatewayException(404, "ALLOCATION_NOT_FOUND", "job " + jobId + " is not allocated to node "
                            + node.nodeId());
                }
                if (!allocation.run()) {
                    throw new GatewayException(403, "ALLOCATION_NOT_DESIRED", "job " + jobId + " is not to run on node "
                            + node.nodeId() + " any more: its secrets are not handed out there");
                }
                return project.secretsOf(jobId);
            });
        }).map(secrets -> Response.ok(new JobSecrets(secrets)).header("Cache-Control", "no-store").build());
    }

    private Uni<NodeAuthenticator.AuthenticatedNode> authenticate(String method, UriInfo uri, HttpHeaders headers, byte[] body) {
        if (body != null && body.length > config.maxBodyBytes()) {
            return Uni.createFrom().failure(new GatewayException(413, "BODY_TOO_LARGE", "at most " + config.maxBodyBytes()
                    + " bytes"));
        }
        URI requested = uri.getRequestUri();
        String target = requested.getRawPath() + (requested.getRawQuery() == null ? "" : "?" + requested.getRawQuery());
        return authenticator.authenticate(new NodeRequestVerifier.Facts(method, target, body == null ? new byte[0] : body,
                headers.getHeaderString(NodeRequest.NODE_HEADER), headers.getHeaderString(NodeRequest.NONCE_HEADER),
                headers.getHeaderString(NodeRequest.SIGNATURE_HEADER)));
    }

    static <T> T parse(byte[] body, Class<T> type) {
        try {
            T value = body == null || body.length == 0 ? null : EventCodec.mapper().readValue(body, type);
            if (value == null) {
                throw new GatewayException(400, "MALFORMED_BODY", "this call needs a JSON " + type.getSimpleName());
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new GatewayException(400, "MALFORMED_BODY", "not a " + type.getSimpleName() + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new GatewayException(400, "MALFORMED_BODY", "the body could not be read");
        }
    }

    static Heartbeat checked(Heartbeat heartbeat) {
        if (heartbeat.bootId() == null || heartbeat.bootId().isBlank() || heartbeat.bootId().length() > 100) {
            throw new GatewayException(400, "INVALID_FIELD", "bootId: 1-100 characters");
        }
        if (!valid(heartbeat.capacity()) || !valid(heartbeat.free())) {
            throw new GatewayException(400, "INVALID_FIELD", "capacity and free: non-negative resources");
        }
        if (heartbeat.tags().size() > MAX_TAGS || heartbeat.tags().entrySet().stream().anyMatch(tag -> tag.getKey() == null
                || tag.getKey().length() > 64 || tag.getValue() == null || tag.getValue().length() > 200)) {
            throw new GatewayException(400, "INVALID_FIELD", "tags: at most " + MAX_TAGS + ", keys up to 64 characters");
        }
        if (heartbeat.allocations().size() > MAX_ALLOCATIONS || heartbeat.allocations().stream().anyMatch(a -> a == null
                || !JobIds.wellFormed(a.jobId()) || a.health() == null)) {
            throw new GatewayException(400, "INVALID_FIELD", "allocations: each with a job id and a health");
        }
        return heartbeat;
    }

    private static boolean valid(Resources resources) {
        return resources != null && resources.cpuMillis() >= 0 && resources.memoryMb() >= 0 && resources.gpus() >= 0;
    }

    static void checkJobId(String jobId) {
        if (!JobIds.wellFormed(jobId)) {
            throw new GatewayException(404, "ALLOCATION_NOT_FOUND", "no such allocation");
        }
    }

    @ServerExceptionMapper
    public Response refused(GatewayException e) {
        return Response.status(e.status()).type(MediaType.APPLICATION_JSON_TYPE).entity(new Refusal(e.code(), e.getMessage())).build();
    }
}
