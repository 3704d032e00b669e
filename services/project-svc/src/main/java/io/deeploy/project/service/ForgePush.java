package io.deeploy.project.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.EventCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a forge told a job's webhook, once its own scheme has shown that it holds the webhook's secret: GitHub signs the
 * body (HMAC-SHA256, {@code X-Hub-Signature-256: sha256=<hex>}), Gitea too ({@code X-Gitea-Signature: <hex>}), GitLab
 * sends the secret itself ({@code X-Gitlab-Token}). {@code event} is the forge's name for what happened ("push",
 * "Push Hook", "ping"...); {@code delivery} its id for this delivery (the same when it delivers again), or the body's
 * digest where it sends none; {@code ref} and {@code commit} what a push moved, and where.
 */
public record ForgePush(String forge, String event, String delivery, String ref, String commit) {

    private static final String NO_COMMIT = "0".repeat(40);

    /** Whether the forge says a branch or tag was pushed to (not a ping, an issue or another event). */
    public boolean isPush() {
        return "push".equalsIgnoreCase(event) || "Push Hook".equalsIgnoreCase(event);
    }

    /** The branch pushed to; null for a tag. */
    public String branch() {
        return ref != null && ref.startsWith("refs/heads/") ? ref.substring("refs/heads/".length()) : null;
    }

    /** Whether the push deleted the branch (nothing to deploy). */
    public boolean deletes() {
        return commit == null || commit.isBlank() || NO_COMMIT.equals(commit);
    }

    /**
     * Reads a delivery: 401 WEBHOOK_SIGNATURE_INVALID unless one forge's scheme verifies it with {@code secret}, 400
     * MALFORMED_BODY unless its body is a JSON object. {@code header} gives a request header by name (null if absent).
     */
    public static ForgePush read(Function<String, String> header, byte[] body, String secret) {
        String forge;
        String event;
        String delivery;
        if (header.apply("X-Gitea-Event") != null) {
            forge = "Gitea";
            verify(header.apply("X-Gitea-Signature"), hmac(secret, body));
            event = header.apply("X-Gitea-Event");
            delivery = header.apply("X-Gitea-Delivery");
        } else if (header.apply("X-Gitlab-Event") != null) {
            forge = "GitLab";
            verify(header.apply("X-Gitlab-Token"), secret);
            event = header.apply("X-Gitlab-Event");
            delivery = header.apply("X-Gitlab-Event-UUID");
        } else if (header.apply("X-GitHub-Event") != null) {
            forge = "GitHub";
            verify(header.apply("X-Hub-Signature-256"), "sha256=" + hmac(secret, body));
            event = header.apply("X-GitHub-Event");
            delivery = header.apply("X-GitHub-Delivery");
        } else {
            throw new ApiException(401, "WEBHOOK_SIGNATURE_INVALID", null, "not a GitHub, GitLab or Gitea delivery "
                    + "(X-GitHub-Event, X-Gitlab-Event or X-Gitea-Event)");
        }
        JsonNode payload;
        try {
            payload = EventCodec.mapper().readTree(body);
        } catch (IOException e) {
            payload = null;
        }
        if (payload == null || !payload.isObject()) {
            throw new ApiException(400, "MALFORMED_BODY", null, "a " + forge + " delivery is a JSON object");
        }
        if (delivery == null || delivery.isBlank() || delivery.length() > 100) {
            delivery = "sha256:" + HexFormat.of().formatHex(sha256(body));
        }
        return new ForgePush(forge, event, delivery, payload.path("ref").asText(null), payload.path("after").asText(null));
    }

    /** Constant-time, so that the expected value cannot be found byte by byte from response times. */
    private static void verify(String given, String expected) {
        if (given == null || !MessageDigest.isEqual(given.strip().getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(401, "WEBHOOK_SIGNATURE_INVALID", null, "the delivery is not signed with this webhook's "
                    + "secret");
        }
    }

    static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] body) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
