package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;

/** A watched branch moved to a new commit; the agent running the job redeploys it. */
public record RepoChanged(String jobId, String nodeId, String repositoryUrl, String branch, String previousCommit, String newCommit,
        Trigger trigger) implements EventPayload {

    public enum Trigger {
        POLL,
        WEBHOOK
    }

    @Override
    public String key() {
        return jobId;
    }
}
