package io.deeploy.events.payload;

/** How an agent decides that an app is ready and stays alive: a TCP connect or an HTTP GET of {@code path}. */
public record HealthCheck(Mode mode, String path, int initialDelaySeconds, int timeoutSeconds, int intervalSeconds) {

    /** The check of a job that names none: the app's port accepts a connection within two minutes. */
    public static final HealthCheck DEFAULT = new HealthCheck(Mode.TCP, null, 0, 120, 10);
    /** The path an HTTP check gets when it names none. */
    public static final String DEFAULT_HTTP_PATH = "/";

    public enum Mode {
        TCP,
        HTTP,
        NONE
    }

    /** The path an HTTP check gets: its own, or {@link #DEFAULT_HTTP_PATH}. */
    public String httpPath() {
        return path == null || path.isBlank() ? DEFAULT_HTTP_PATH : path;
    }

    /** {@code check}, or {@link #DEFAULT} when the job names none. */
    public static HealthCheck orDefault(HealthCheck check) {
        return check == null ? DEFAULT : check;
    }
}
