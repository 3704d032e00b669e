package io.deeploy.project.service;

import io.deeploy.node.Ed25519Keys;
import io.deeploy.project.config.AuthConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.KeyPair;

/**
 * The key that signs log grants ({@link io.deeploy.node.LogGrant}): made on first start in an owner-only file, its
 * public half published at {@code GET /api/auth} (and handed to nodes by the gateway), so nodes verify grants and none
 * can make one.
 */
@ApplicationScoped
public class LogGrantKeys {

    private final KeyPair keys;

    public LogGrantKeys(AuthConfig config) {
        try {
            this.keys = Ed25519Keys.loadOrCreate(Path.of(config.logGrantKeyFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the log-grant key " + config.logGrantKeyFile(), e);
        }
    }

    public KeyPair keys() {
        return keys;
    }

    public String publicKey() {
        return Ed25519Keys.encode(keys.getPublic());
    }
}
