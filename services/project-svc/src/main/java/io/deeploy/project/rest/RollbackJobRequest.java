package io.deeploy.project.rest;

/**
 * Back to what served before: {@code revision}, an earlier version of the job's spec, and/or {@code commit}, a commit
 * of a WAR job that served (as {@code GET /api/jobs/{id}/versions} lists them). A commit pins the job to it: new
 * commits on its branch are not deployed until {@code POST /api/jobs/{id}/resume}.
 */
public record RollbackJobRequest(Long revision, String commit) {
}
