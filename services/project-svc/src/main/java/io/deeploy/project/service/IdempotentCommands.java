package io.deeploy.project.service;

import io.deeploy.events.EventCodec;
import io.deeploy.project.repository.IdempotentCommand;
import io.deeploy.project.repository.IdempotentCommandRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Executes a creating command once per Idempotency-Key: a retry with the same key and body gets the resource the first
 * execution created; the same key with another body is refused. Runs inside the caller's transaction, so the key is
 * recorded with the resource or not at all.
 */
@ApplicationScoped
public class IdempotentCommands {

    static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{8,200}");

    private final IdempotentCommandRepository commands;

    public IdempotentCommands(IdempotentCommandRepository commands) {
        this.commands = commands;
    }

    /** Checks the header before any work, so a bad key changes nothing. */
    public static String requireKey(String key) {
        if (key == null || key.isBlank()) {
            throw new ApiException(400, "IDEMPOTENCY_KEY_REQUIRED", "Idempotency-Key",
                    "state-changing requests carry an Idempotency-Key header (8-200 characters, e.g. a UUID)");
        }
        if (!KEY.matcher(key).matches()) {
            throw new ApiException(400, "IDEMPOTENCY_KEY_INVALID", "Idempotency-Key",
                    "Idempotency-Key must be 8-200 letters, digits or . _ : -");
        }
        return key;
    }

    /**
     * @param create runs only for a new key and returns the id of the resource it created
     * @return the resource id and whether this call created it
     */
    public Uni<Outcome> execute(String scope, String key, Object request, Supplier<Uni<String>> create) {
        String hash = hash(request);
        IdempotentCommand.Key id = new IdempotentCommand.Key(scope, key);
        return commands.findById(id).chain(previous -> {
            if (previous != null) {
                if (!previous.requestHash.equals(hash)) {
                    return Uni.createFrom().failure(new ApiException(422, "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key",
                            "this Idempotency-Key was used for a different request"));
                }
                return Uni.createFrom().item(new Outcome(previous.resourceId, false));
            }
            return create.get().chain(resourceId -> {
                IdempotentCommand command = new IdempotentCommand();
                command.key = id;
                command.requestHash = hash;
                command.resourceId = resourceId;
                command.createdAt = Instant.now();
                return commands.persist(command).replaceWith(new Outcome(resourceId, true));
            });
        });
    }

    static String hash(Object request) {
        try {
            byte[] canonical = EventCodec.mapper().writeValueAsBytes(request);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (com.fasterxml.jackson.core.JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash request", e);
        }
    }

    public record Outcome(String resourceId, boolean created) {
    }
}
