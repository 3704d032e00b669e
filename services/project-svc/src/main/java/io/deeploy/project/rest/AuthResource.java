package io.deeploy.project.rest;

import io.deeploy.project.config.AuthConfig;
import io.deeploy.signing.Audience;
import io.deeploy.project.service.LogGrantKeys;
import io.deeploy.project.service.Permission;
import io.deeploy.signing.SignedRequest;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;

/** How to authenticate to this API (public), and who the API takes the caller to be. */
@Path("/api/auth")
@Produces(MediaType.APPLICATION_JSON)
public class AuthResource {

    private final AuthConfig config;
    private final Audience audience;
    private final ApiRequests requests;
    private final LogGrantKeys grantKeys;

    public AuthResource(AuthConfig config, Audience audience, ApiRequests requests, LogGrantKeys grantKeys) {
        this.config = config;
        this.audience = audience;
        this.requests = requests;
        this.grantKeys = grantKeys;
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
                config.nonceMaxAge().toSeconds(), config.maxClockSkew().toSeconds(), "Authorization: Bearer dpt_...",
                grantKeys.publicKey());
    }

    @GET
    @Path("/whoami")
    public Uni<Whoami> whoami(@Context UriInfo uri, @Context HttpHeaders headers) {
        return requests.caller("GET", uri, headers, null).map(caller -> caller.viaToken()
                ? new Whoami(caller.address(), "token", caller.tokenId(), caller.tokenProjectId(),
                        Permission.namesOf(caller.tokenPermissions()))
                : new Whoami(caller.address(), "signature", null, null, null));
    }
}
