package io.deeploy.project.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Where the keys that encrypt job secrets at rest live, and who may read secrets back. */
@ConfigMapping(prefix = "deeploy.secrets")
public interface SecretsConfig {

    /**
     * The key ring: one key per line, {@code <key-id> <base64 of 32 random bytes>}; the last line encrypts, every line
     * decrypts. Rotate by appending a line: rows under older keys are re-encrypted at start.
     */
    @WithDefault("${user.home}/.deeploy/secrets.keys")
    String keyFile();

    /** Create the key ring with one fresh key when the file is absent (single-machine installs); off in production. */
    @WithDefault("true")
    boolean createKeyFile();

    /**
     * The platform services' internal token, which the node gateway (scheduler-svc) presents to read the secrets of a job
     * for the node it is allocated to. No node holds it: nodes ask the gateway, which checks the allocation. Without it
     * no secret leaves this service, and jobs with secrets fail on their node with a clear reason.
     */
    Optional<String> internalToken();
}
