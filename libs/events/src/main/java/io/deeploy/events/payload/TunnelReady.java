package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;

/**
 * The job's own tunnel engine ({@code engine}: cloudflare or ngrok), run by its agent on {@code nodeId}, serves the app
 * at {@code url}.
 */
public record TunnelReady(String jobId, String nodeId, String alias, String url, String engine) implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
