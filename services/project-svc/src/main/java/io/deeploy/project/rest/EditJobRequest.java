package io.deeploy.project.rest;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an edit of a live job may change, each field optional (absent: kept as it is); the fields mean what they mean in
 * {@link CreateJobRequest}. {@code secretEnv} sets or replaces the values it names and keeps the others; so does
 * {@code resources} (a part left out keeps its value). What decides where and how long the job runs, what it is paid by,
 * or what it keeps on its nodes (alias, kind, repository URL, nodes, duration, volumes, tunnel, registry, egress) is not
 * edited here: a 400 FIELD_NOT_EDITABLE names it (nodes change by {@code POST /api/jobs/{id}/nodes}, duration by extend).
 */
public record EditJobRequest(
        String image,
        String branch,
        List<String> commands,
        Map<String, String> env,
        Map<String, String> secretEnv,
        Integer port,
        String restartPolicy,
        CreateJobRequest.HealthCheck healthCheck,
        List<CreateJobRequest.FileVolume> fileVolumes,
        CreateJobRequest.Resources resources) {

    /** The fields an edit takes. */
    public static final Set<String> EDITABLE = java.util.Arrays.stream(EditJobRequest.class.getRecordComponents())
            .map(java.lang.reflect.RecordComponent::getName).collect(java.util.stream.Collectors.toUnmodifiableSet());

    /** The fields of a job that an edit does not change. */
    public static final Set<String> NOT_EDITABLE = Set.of("alias", "kind", "repository", "targetNodes",
            "targetNodeCount", "nodeTags", "durationEpochs", "volumes", "tunnel", "registry", "egress", "jobType");
}
