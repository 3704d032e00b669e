package io.deeploy.events.payload;

/** How an agent decides that an app is ready and stays alive: a TCP connect or an HTTP GET of {@code path}. */
public record HealthCheck(Mode mode, String path, int initialDelaySeconds, int timeoutSeconds, int intervalSeconds) {

    public enum Mode {
        TCP,
        HTTP,
        NONE
    }
}
