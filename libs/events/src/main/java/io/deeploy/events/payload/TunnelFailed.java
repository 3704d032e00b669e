package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;

/**
 * The job's own tunnel engine ({@code engine}: cloudflare or ngrok) could not give it a public URL on {@code nodeId},
 * for {@code reason}. The app itself is unaffected and keeps serving through the built-in ingress, so this is not an
 * AppFailed; the agent keeps retrying with backoff and announces TunnelReady if the engine comes up later.
 */
public record TunnelFailed(String jobId, String nodeId, String engine, String reason) implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
