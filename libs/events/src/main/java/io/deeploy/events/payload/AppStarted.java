package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;

/**
 * The app passed its health check and serves on {@code host}:{@code port} of its node: {@code commit} (a WAR job's
 * commit, a CAR job's image) of the spec's {@code revision}.
 */
public record AppStarted(String jobId, String nodeId, String alias, String commit, String containerId, String host, int port,
        long revision) implements EventPayload {

    /** Of a first revision (0). */
    public AppStarted(String jobId, String nodeId, String alias, String commit, String containerId, String host, int port) {
        this(jobId, nodeId, alias, commit, containerId, host, port, 0);
    }

    @Override
    public String key() {
        return jobId;
    }
}
