package io.deeploy.node.api;

import java.util.Map;

/** The secrets of one allocation desired on the asking node: git token, secret env values, registry and tunnel tokens. */
public record JobSecrets(Map<String, String> secrets) {

    public JobSecrets {
        secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
    }

    @Override
    public String toString() {
        return "JobSecrets" + secrets.keySet();
    }
}
