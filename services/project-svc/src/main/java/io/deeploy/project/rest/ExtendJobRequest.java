package io.deeploy.project.rest;

/** {@code POST /api/jobs/{id}/extend}: how many epochs to add to the job's paid time (1-3650). */
public record ExtendJobRequest(Integer epochs) {
}
