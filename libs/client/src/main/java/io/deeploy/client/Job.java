package io.deeploy.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A job as the API shows it ({@code GET /api/jobs/{id}}): the common fields typed, everything else (spec, history,
 * spend, nodes...) in {@link #json()}.
 */
public record Job(JsonNode json) {

    public String id() {
        return json.path("id").asText();
    }

    public String alias() {
        return json.path("alias").asText();
    }

    /** REQUESTED, AWAITING_FUNDS, SCHEDULED, BUILDING, RUNNING, REDEPLOYING, STOPPING, STOPPED or FAILED. */
    public String state() {
        return json.path("state").asText();
    }

    /** Where the app serves, or null until it does. */
    public String url() {
        return json.path("url").isNull() ? null : json.path("url").asText(null);
    }

    /** The commit (WAR) serving now, or null. */
    public String runningCommit() {
        return json.path("runningCommit").isNull() ? null : json.path("runningCommit").asText(null);
    }

    /** The spec's revision: 0 at creation, one more for each edit, restart, redeploy, rollback or scale. */
    public long revision() {
        return json.path("spec").path("revision").asLong();
    }

    /** Why it last failed, or null. */
    public String lastError() {
        return json.path("lastError").isNull() ? null : json.path("lastError").asText(null);
    }
}
