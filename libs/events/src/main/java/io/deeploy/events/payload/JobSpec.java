package io.deeploy.events.payload;

import java.util.List;
import java.util.Map;

/**
 * Everything a node needs to run a job, as carried by JobRequested. Secret values are absent: env vars marked secret
 * are listed by name in {@code secretEnvNames}, a tunnel token by {@code tunnel.tokenRef}, a registry password by
 * {@code registry.passwordRef}, and resolved by the agent through project-svc. {@code revision} grows with every new
 * version of the job's spec (an edit, a restart, a redeploy, a rollback): each revision is deployed anew on the job's
 * nodes, beside what serves, and replaces it once healthy; a revision older than the one a service holds is stale.
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
        Egress egress,
        long revision) {

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

    /** A first revision (0) of a spec. */
    public JobSpec(JobKind kind, String alias, String image, VcsSource vcs, List<String> commands, Map<String, String> env,
            List<String> secretEnvNames, int port, Resources resources, String restartPolicy, HealthCheck healthCheck,
            List<String> targetNodes, int targetNodeCount, List<String> nodeTags, int durationEpochs, List<Volume> volumes,
            List<FileVolume> fileVolumes, TunnelSettings tunnel, RegistryAuth registry, Egress egress) {
        this(kind, alias, image, vcs, commands, env, secretEnvNames, port, resources, restartPolicy, healthCheck, targetNodes,
                targetNodeCount, nodeTags, durationEpochs, volumes, fileVolumes, tunnel, registry, egress, 0);
    }

    /** This spec with its code from {@code source} (a commit pinned or unpinned), same revision. */
    public JobSpec withVcs(VcsSource source) {
        return new JobSpec(kind, alias, image, source, commands, env, secretEnvNames, port, resources, restartPolicy,
                healthCheck, targetNodes, targetNodeCount, nodeTags, durationEpochs, volumes, fileVolumes, tunnel, registry,
                egress, revision);
    }

    /** This spec as revision {@code next}: deployed anew wherever it runs. */
    public JobSpec withRevision(long next) {
        return new JobSpec(kind, alias, image, vcs, commands, env, secretEnvNames, port, resources, restartPolicy, healthCheck,
                targetNodes, targetNodeCount, nodeTags, durationEpochs, volumes, fileVolumes, tunnel, registry, egress, next);
    }

    /** How many nodes the job runs on: those it names, or else the count the scheduler chooses. */
    public int nodeCount() {
        return targetNodes.isEmpty() ? targetNodeCount : targetNodes.size();
    }

    /**
     * This spec on other nodes, same revision: {@code nodes} named ones, or else {@code count} that the scheduler
     * chooses.
     */
    public JobSpec withNodes(List<String> nodes, int count) {
        List<String> named = nodes == null ? List.of() : List.copyOf(nodes);
        return new JobSpec(kind, alias, image, vcs, commands, env, secretEnvNames, port, resources, restartPolicy, healthCheck,
                named, named.isEmpty() ? count : named.size(), nodeTags, durationEpochs, volumes, fileVolumes, tunnel, registry,
                egress, revision);
    }

    /** A spec with the default egress ({@link Egress#INTERNET}). */
    public JobSpec(JobKind kind, String alias, String image, VcsSource vcs, List<String> commands, Map<String, String> env,
            List<String> secretEnvNames, int port, Resources resources, String restartPolicy, HealthCheck healthCheck,
            List<String> targetNodes, int targetNodeCount, List<String> nodeTags, int durationEpochs, List<Volume> volumes,
            List<FileVolume> fileVolumes, TunnelSettings tunnel, RegistryAuth registry) {
        this(kind, alias, image, vcs, commands, env, secretEnvNames, port, resources, restartPolicy, healthCheck, targetNodes,
                targetNodeCount, nodeTags, durationEpochs, volumes, fileVolumes, tunnel, registry, null, 0);
    }
}
