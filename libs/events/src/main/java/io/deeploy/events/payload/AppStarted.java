package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;

/** The app passed its health check and serves on {@code host}:{@code port} of its node. */
public record AppStarted(String jobId, String nodeId, String alias, String commit, String containerId, String host, int port)
        implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
