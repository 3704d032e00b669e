package io.deeploy.builder.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.builder.service.RepoWatcher;
import io.deeploy.events.ApiError;
import io.deeploy.events.EventCodec;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Push notifications in GitHub's format: the body is signed with HMAC-SHA256 under the node's webhook secret
 * ({@code X-Hub-Signature-256: sha256=<hex>}), checked in constant time before the body is read. A valid push for a
 * watched branch makes its watcher ask the remote at once; the commit itself is always read from the remote, never
 * taken from the body.
 */
@Path("/api/webhooks/git")
@Produces(MediaType.APPLICATION_JSON)
public class WebhookResource {

    private final NodeConfig config;
    private final RepoWatcher watcher;

    public WebhookResource(NodeConfig config, RepoWatcher watcher) {
        this.config = config;
        this.watcher = watcher;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response push(@HeaderParam("X-Hub-Signature-256") String signature, byte[] body) {
        if (config.webhookSecret().isEmpty()) {
            return error(403, "WEBHOOKS_DISABLED", "this node has no webhook secret (deeploy.node.webhook-secret)");
        }
        if (signature == null || !validSignature(config.webhookSecret().get(), body, signature)) {
            return error(401, "BAD_SIGNATURE", "X-Hub-Signature-256 does not match the body");
        }
        JsonNode push;
        try {
            push = EventCodec.mapper().readTree(body);
        } catch (java.io.IOException e) {
            return error(400, "MALFORMED_BODY", "the body is not JSON");
        }
        String ref = push == null ? "" : push.path("ref").asText("");
        String url = push == null ? "" : push.path("repository").path("clone_url").asText(push.path("repository").path("url").asText(""));
        if (!ref.startsWith("refs/heads/") || url.isEmpty()) {
            return error(400, "NOT_A_PUSH", "expected a push with 'ref' (refs/heads/...) and 'repository.clone_url'");
        }
        boolean watched = watcher.pushed(url, ref.substring("refs/heads/".length()));
        return Response.accepted(Map.of("watched", watched)).build();
    }

    static boolean validSignature(String secret, byte[] body, String header) {
        if (!header.startsWith("sha256=")) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] expected = mac.doFinal(body);
            byte[] given = HexFormat.of().parseHex(header.substring("sha256=".length()));
            return MessageDigest.isEqual(expected, given);
        } catch (IllegalArgumentException e) {
            return false;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Response error(int status, String code, String message) {
        return Response.status(status).entity(ApiError.of(code, message)).build();
    }
}
