package io.deeploy.project.rest;

import io.deeploy.project.config.SecretsConfig;
import io.deeploy.project.service.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The check on the {@code /internal} paths: only the platform's own services hold the internal token. */
@ApplicationScoped
public class InternalToken {

    private final SecretsConfig config;

    public InternalToken(SecretsConfig config) {
        this.config = config;
    }

    /** Throws 401 INTERNAL_UNAUTHORIZED unless {@code authorization} is the internal token as a bearer token. */
    public void require(String authorization) {
        if (!matches(authorization)) {
            throw new ApiException(401, "INTERNAL_UNAUTHORIZED", null, "the platform's internal token is required");
        }
    }

    /** Constant-time comparison, so the token cannot be guessed byte by byte from response times. */
    private boolean matches(String authorization) {
        if (config.internalToken().isEmpty() || authorization == null || !authorization.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(config.internalToken().get().getBytes(StandardCharsets.UTF_8),
                authorization.substring("Bearer ".length()).getBytes(StandardCharsets.UTF_8));
    }
}
