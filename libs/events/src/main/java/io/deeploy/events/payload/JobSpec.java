package io.deeploy.events.payload;

import java.util.List;
import java.util.Map;

/**
 * Everything a node needs to run a job, as carried by JobRequested. Secret values are absent: env vars marked secret
 * are listed by name in {@code secretEnvNames} and resolved by the agent through project-svc.
 */
public record JobSpec(
        JobKind kind,
        String alias,
        String image,
        VcsSource vcs,
        List<String> commands,
        Map<String, String> env,
        List<String> secretEnvNames,
        int port,
        Resources resources,
        String restartPolicy,
        HealthCheck healthCheck,
        List<String> targetNodes,
        int targetNodeCount,
        List<String> nodeTags,
        int durationEpochs) {
}
