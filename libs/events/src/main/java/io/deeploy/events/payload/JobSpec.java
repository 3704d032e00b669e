package io.deeploy.events.payload;

import java.util.List;
import java.util.Map;

/**
 * Everything a node needs to run a job, as carried by JobRequested. Secret values are absent: env vars marked secret
 * are listed by name in {@code secretEnvNames}, a tunnel token by {@code tunnel.tokenRef}, a registry password by
 * {@code registry.passwordRef}, and resolved by the agent through project-svc.
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
        int durationEpochs,
        List<Volume> volumes,
        List<FileVolume> fileVolumes,
        TunnelSettings tunnel,
        RegistryAuth registry,
        Egress egress) {

    /**
     * Absent lists (from an older producer, or omitted) read as empty. An absent {@code tunnel} stays null and means the
     * built-in ingress only, so specs stored before tunnels existed read unchanged; an absent {@code registry} means a
     * public or node-local image, pulled (if at all) without credentials; an absent {@code egress} is the default,
     * {@link Egress#INTERNET}.
     */
    public JobSpec {
        egress = egress == null ? Egress.INTERNET : egress;
        commands = commands == null ? List.of() : commands;
        env = env == null ? Map.of() : env;
        secretEnvNames = secretEnvNames == null ? List.of() : secretEnvNames;
        targetNodes = targetNodes == null ? List.of() : targetNodes;
        nodeTags = nodeTags == null ? List.of() : nodeTags;
        volumes = volumes == null ? List.of() : volumes;
        fileVolumes = fileVolumes == null ? List.of() : fileVolumes;
    }

    /** A spec with the default egress ({@link Egress#INTERNET}). */
    public JobSpec(JobKind kind, String alias, String image, VcsSource vcs, List<String> commands, Map<String, String> env,
            List<String> secretEnvNames, int port, Resources resources, String restartPolicy, HealthCheck healthCheck,
            List<String> targetNodes, int targetNodeCount, List<String> nodeTags, int durationEpochs, List<Volume> volumes,
            List<FileVolume> fileVolumes, TunnelSettings tunnel, RegistryAuth registry) {
        this(kind, alias, image, vcs, commands, env, secretEnvNames, port, resources, restartPolicy, healthCheck, targetNodes,
                targetNodeCount, nodeTags, durationEpochs, volumes, fileVolumes, tunnel, registry, null);
    }
}
