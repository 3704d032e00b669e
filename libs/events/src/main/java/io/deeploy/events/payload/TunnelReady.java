package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;

/** A job's app is reachable at {@code url} through the named tunnel engine. */
public record TunnelReady(String jobId, String alias, String url, String engine) implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
