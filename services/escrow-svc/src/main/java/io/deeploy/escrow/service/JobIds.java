package io.deeploy.escrow.service;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.UUID;

/**
 * The link between a backend job and its chain job: the {@code requestId} of {@code createJob}.
 *
 * <p>Convention (project-svc and the dApp build it the same way): for the backend job {@code job-<uuid>}, requestId is
 * the 16 bytes of the UUID (most significant first, as in its text form) followed by 16 zero bytes, e.g.
 * {@code job-0f8fad5b-d9cb-469f-a165-70867728950e} -> {@code 0x0f8fad5bd9cb469fa16570867728950e00000000000000000000000000000000}.
 * Any other requestId (non-zero tail, or 0 for "no key") belongs to no backend job: the chain job is still
 * recorded in the ledger, but no FundsLocked is announced for it. The requestId is also the owner's idempotency key on
 * chain, so paying twice for the same backend job reverts {@code DuplicateRequest}.
 */
public final class JobIds {

    static final String PREFIX = "job-";

    private JobIds() {
    }

    public static byte[] requestIdOf(String jobId) {
        if (jobId == null || !jobId.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a backend job id: " + jobId);
        }
        UUID uuid = UUID.fromString(jobId.substring(PREFIX.length()));
        if (!(PREFIX + uuid).equals(jobId.toLowerCase())) {
            throw new IllegalArgumentException("not a canonical backend job id: " + jobId);
        }
        return ByteBuffer.allocate(32).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits())
                .array();
    }

    public static Optional<String> jobIdOf(byte[] requestId) {
        if (requestId == null || requestId.length != 32) {
            return Optional.empty();
        }
        ByteBuffer buffer = ByteBuffer.wrap(requestId);
        long most = buffer.getLong();
        long least = buffer.getLong();
        if (buffer.getLong() != 0 || buffer.getLong() != 0 || (most == 0 && least == 0)) {
            return Optional.empty();
        }
        return Optional.of(PREFIX + new UUID(most, least));
    }
}
