package io.deeploy.project.rest;

import io.deeploy.project.config.AuthConfig;
import io.deeploy.signing.Audience;
import io.deeploy.project.service.LogGrantKeys;
import io.deeploy.project.service.Permission;
import io.deeploy.project.service.WalletSessionService;
import io.deeploy.signing.SignedRequest;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.util.List;

/** How to authenticate to this API (public), and who the API takes the caller to be. */
@Path("/api/auth")
@Produces(MediaType.APPLICATION_JSON)
public class AuthResource {

    private final AuthConfig config;
    private final Audience audience;
    private final ApiRequests requests;
    private final LogGrantKeys grantKeys;
    private final WalletSessionService sessions;

    public AuthResource(AuthConfig config, Audience audience, ApiRequests requests, LogGrantKeys grantKeys,
            WalletSessionService sessions) {
        this.config = config;
        this.audience = audience;
        this.requests = requests;
        this.grantKeys = grantKeys;
        this.sessions = sessions;
    }

    /**
     * What a client needs to sign requests for this deployment, and the public key that verifies this deployment's log
     * grants (nodes get it through the gateway).
     */
    public record AuthInfo(String audience, List<String> signatureHeaders, String message, long nonceMaxAgeSeconds,
            long maxClockSkewSeconds, String tokenHeader, String logGrantKey) {
    }

    public record Whoami(String address, String via, String tokenId, String projectId, List<String> permissions) {
    }

    @GET
    public AuthInfo info() {
        return new AuthInfo(audience.value(),
                List.of(SignedRequest.SENDER_HEADER, SignedRequest.NONCE_HEADER, SignedRequest.SIGNATURE_HEADER),
                SignedRequest.PREAMBLE + "\\n\\nRequest type: <METHOD> <path?query>\\nDeeploy: <audience>\\nNonce: <0x hex ms>"
                        + "\\nBody SHA-256: <hex of the body bytes>  (EIP-191 personal_sign)",
                config.nonceMaxAge().toSeconds(), config.maxClockSkew().toSeconds(),
                "Authorization: Bearer dpt_... (an API token) or dps_... (a sign-in session)",
                grantKeys.publicKey());
    }

    @GET
    @Path("/whoami")
    public Uni<Whoami> whoami(@Context UriInfo uri, @Context HttpHeaders headers) {
        return requests.caller("GET", uri, headers, null).map(caller -> caller.viaToken()
                ? new Whoami(caller.address(), "token", caller.tokenId(), caller.tokenProjectId(),
                        Permission.namesOf(caller.tokenPermissions()))
                : new Whoami(caller.address(), caller.viaSession() ? "session" : "signature", null, null, null));
    }

    /** A started session: its token is in this answer only. */
    public record SessionView(String id, String address, String token, Instant createdAt, Instant expiresAt) {
    }

    /**
     * Signs in: the wallet's own signature starts a session whose token ({@code Authorization: Bearer dps_...}) then acts
     * as the wallet until {@code expiresAt} ({@code deeploy.auth.session-ttl}), except where only the wallet's signature
     * may act (tokens, delegates, sessions, nodes: 403 SESSION_SCOPE).
     */
    @POST
    @Path("/sessions")
    public Uni<Response> startSession(@Context UriInfo uri, @Context HttpHeaders headers, byte[] body) {
        return requests.caller("POST", uri, headers, body).chain(sessions::start)
                .map(started -> Response.status(201).entity(new SessionView(started.session().id,
                        started.session().address, started.token(), started.session().createdAt,
                        started.session().expiresAt)).build());
    }

    /** Signs out: with a session's token, ends that session; with the wallet's signature, ends all of its sessions. */
    @DELETE
    @Path("/sessions")
    public Uni<Response> endSessions(@Context UriInfo uri, @Context HttpHeaders headers) {
        return requests.caller("DELETE", uri, headers, null).chain(sessions::end)
                .map(ended -> Response.noContent().build());
    }
}
