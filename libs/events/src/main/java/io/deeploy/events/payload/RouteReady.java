package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;

/**
 * The built-in ingress routes {@code url} to the job's app: its first route went live. A job without a tunnel engine of
 * its own is reached at this URL; one with an engine (TunnelReady) is reached there until its engine serves.
 */
public record RouteReady(String jobId, String alias, String url) implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
