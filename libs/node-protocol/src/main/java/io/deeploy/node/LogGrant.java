package io.deeploy.node;

import io.deeploy.events.JobIds;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;

/**
 * A short-lived permission to read one job's logs on the nodes that run it. project-svc issues it to whoever may read
 * the job, signed with its log-grant key; a node agent checks it with the public half, which it learns from the node
 * gateway. A node can verify grants but never make one, so no node can open another tenant's logs, and a grant names
 * its job and expiry, so it opens nothing else and nothing later.
 *
 * <p>Form: {@code dlg2.<jobId>.<expiry epoch seconds>.<base64url Ed25519 signature of the first three parts>}.
 */
public final class LogGrant {

    static final String PREFIX = "dlg2";

    private LogGrant() {
    }

    public static String issue(PrivateKey grantKey, String jobId, Instant expiresAt) {
        if (!JobIds.wellFormed(jobId)) {
            throw new IllegalArgumentException("not a job id: " + jobId);
        }
        String claims = PREFIX + "." + jobId + "." + expiresAt.getEpochSecond();
        byte[] signature = Ed25519Keys.sign(grantKey, claims.getBytes(StandardCharsets.UTF_8));
        return claims + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    }

    /** True when {@code grant} was signed by the key of {@code grantKey} for {@code jobId} and has not expired at {@code now}. */
    public static boolean permits(PublicKey grantKey, String grant, String jobId, Instant now) {
        if (grant == null || grantKey == null || grant.length() > 400) {
            return false;
        }
        String[] parts = grant.split("\\.", -1);
        if (parts.length != 4 || !PREFIX.equals(parts[0]) || !parts[1].equals(jobId)) {
            return false;
        }
        long expiry;
        byte[] signature;
        try {
            expiry = Long.parseLong(parts[2]);
            signature = Base64.getUrlDecoder().decode(parts[3]);
        } catch (IllegalArgumentException e) {
            return false;
        }
        String claims = parts[0] + "." + parts[1] + "." + parts[2];
        return now.getEpochSecond() < expiry && Ed25519Keys.verify(grantKey, claims.getBytes(StandardCharsets.UTF_8), signature);
    }
}
