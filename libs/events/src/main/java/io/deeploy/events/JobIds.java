package io.deeploy.events;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A job's id and the escrow request id derived from it, written once for every service.
 *
 * <p>project-svc names a job {@code job-<uuid>} ({@link #newId}). Where a job id from an event, a path or a node becomes
 * a key, a path or an engine name, it must have the {@link #wellFormed form} every store holds (a letter or digit, then
 * letters, digits, '_' and '-', 40 characters at most: no separator, dot or colon that could reach outside the job).
 *
 * <p>The escrow's {@code requestId} of {@code createJob} for the job {@code job-<uuid>} is the 16 bytes of the UUID (most
 * significant first, as in its text form) followed by 16 zero bytes, e.g. {@code job-0f8fad5b-d9cb-469f-a165-70867728950e}
 * → {@code 0x0f8fad5bd9cb469fa16570867728950e00000000000000000000000000000000}. project-svc hands it to the payer, and
 * escrow-svc recovers the job from it; any other requestId (a non-zero tail, or 0) belongs to no backend job. It is also
 * the owner's idempotency key on chain, so paying twice for the same job reverts {@code DuplicateRequest}.
 */
public final class JobIds {

    public static final String PREFIX = "job-";
    /** The most characters a job id has: {@code job-} and a UUID, the width of every job id column. */
    public static final int MAX_LENGTH = 40;
    private static final Pattern FORM = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0," + (MAX_LENGTH - 1) + "}");

    private JobIds() {
    }

    /** A new job's id. */
    public static String newId() {
        return PREFIX + UUID.randomUUID();
    }

    /** Whether {@code id} has the form of a job id (not whether such a job exists). */
    public static boolean wellFormed(String id) {
        return id != null && FORM.matcher(id).matches();
    }

    /** {@code id}, if it has the form of a job id; otherwise an IllegalArgumentException. */
    public static String checked(String id) {
        if (!wellFormed(id)) {
            throw new IllegalArgumentException("not a job id: '" + id + "'");
        }
        return id;
    }

    /** The escrow request id of the backend job {@code jobId}; an IllegalArgumentException if it is not {@code job-<uuid>}. */
    public static byte[] requestIdOf(String jobId) {
        if (jobId == null || !jobId.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a backend job id: " + jobId);
        }
        UUID uuid;
        try {
            uuid = UUID.fromString(jobId.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a backend job id: " + jobId);
        }
        if (!(PREFIX + uuid).equals(jobId.toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("not a canonical backend job id: " + jobId);
        }
        return ByteBuffer.allocate(32).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array();
    }

    /** {@link #requestIdOf} as the chain's clients write it: 0x and 64 hex digits. */
    public static String requestIdHexOf(String jobId) {
        return "0x" + HexFormat.of().formatHex(requestIdOf(jobId));
    }

    /** The backend job a request id names, if it names one. */
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
