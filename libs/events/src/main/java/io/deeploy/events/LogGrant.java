package io.deeploy.events;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A short-lived permission to read one job's logs on the nodes that run it. project-svc issues it to the job's owner
 * (or a delegate) after checking who they are; a node agent checks it without calling back, because both hold the
 * node token. The grant names the job and its expiry, so it opens neither another tenant's logs nor anything later.
 *
 * <p>Form: {@code dlg1.<jobId>.<expiry epoch seconds>.<base64url HMAC-SHA256>}; the HMAC key is derived from the node
 * token, so a grant is not a token that opens anything else.
 */
public final class LogGrant {

    static final String PREFIX = "dlg1";

    private LogGrant() {
    }

    public static String issue(String nodeToken, String jobId, Instant expiresAt) {
        if (jobId.indexOf('.') >= 0) {
            throw new IllegalArgumentException("a job id has no dots");
        }
        String claims = PREFIX + "." + jobId + "." + expiresAt.getEpochSecond();
        return claims + "." + mac(nodeToken, claims);
    }

    /** True when {@code grant} was issued with this node token for {@code jobId} and has not expired at {@code now}. */
    public static boolean permits(String nodeToken, String grant, String jobId, Instant now) {
        if (grant == null || nodeToken == null || nodeToken.isEmpty()) {
            return false;
        }
        String[] parts = grant.split("\\.", -1);
        if (parts.length != 4 || !PREFIX.equals(parts[0]) || !parts[1].equals(jobId)) {
            return false;
        }
        long expiry;
        try {
            expiry = Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
            return false;
        }
        String expected = mac(nodeToken, parts[0] + "." + parts[1] + "." + parts[2]);
        boolean authentic = MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                parts[3].getBytes(StandardCharsets.US_ASCII));
        return authentic && now.getEpochSecond() < expiry;
    }

    private static String mac(String nodeToken, String claims) {
        try {
            Mac hmac = Mac.getInstance("HmacSHA256");
            // A key of its own: "log grant" and the node token, so a MAC here is useless as anything else.
            byte[] key = MessageDigest.getInstance("SHA-256")
                    .digest(("deeploy log grant\n" + nodeToken).getBytes(StandardCharsets.UTF_8));
            hmac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hmac.doFinal(claims.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
