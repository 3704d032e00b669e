package io.deeploy.builder.service;

import io.deeploy.builder.client.GatewayClient;
import io.deeploy.builder.client.GitClient;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.TunnelSettings;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.transport.CredentialsProvider;

/**
 * The secrets of the jobs this node runs (git token, secret env values, registry and tunnel tokens), read through the
 * gateway, which hands out only those of jobs allocated to this node; kept in memory only, forgotten with the job.
 */
@ApplicationScoped
public class JobSecrets {

    private final GatewayClient gateway;
    private final String nodeId;
    private final Map<String, Map<String, String>> byJob = new ConcurrentHashMap<>();

    public JobSecrets(GatewayClient gateway, NodeConfig config) {
        this.gateway = gateway;
        this.nodeId = config.id();
    }

    /** Thrown when a job's secrets cannot be read; its message is safe to show to the job's owner. */
    public static class Unavailable extends Exception {
        public Unavailable(String message) {
            super(message);
        }
    }

    public static boolean needed(JobSpec spec) {
        return !spec.secretEnvNames().isEmpty() || (spec.vcs() != null && spec.vcs().credentialsRef() != null)
                || (TunnelSettings.needsProcess(spec.tunnel()) && spec.tunnel().tokenRef() != null)
                || (spec.registry() != null && spec.registry().passwordRef() != null);
    }

    /** Reads the job's secrets afresh (at each deployment: they may have been rotated). */
    public void load(String jobId, JobSpec spec) throws Unavailable {
        if (!needed(spec)) {
            return;
        }
        try {
            byJob.put(jobId, gateway.secrets(jobId));
        } catch (GatewayClient.Refused e) {
            throw new Unavailable("the gateway refused the job's secrets (" + e.code() + ")");
        } catch (IOException e) {
            throw new Unavailable("the gateway is unreachable for the job's secrets: " + e.getMessage());
        }
    }

    public String get(String jobId, String name) {
        return name == null ? null : byJob.getOrDefault(jobId, Map.of()).get(name);
    }

    /** The values of the job's secrets loaded here (none if it has none, or they are not loaded). */
    public java.util.Collection<String> values(String jobId) {
        return java.util.List.copyOf(byJob.getOrDefault(jobId, Map.of()).values());
    }

    public void forget(String jobId) {
        byJob.remove(jobId);
    }

    public CredentialsProvider gitCredentials(String jobId, JobSpec spec) {
        if (spec.vcs() == null || spec.vcs().credentialsRef() == null) {
            return null;
        }
        return GitClient.credentials(spec.vcs().username(), get(jobId, spec.vcs().credentialsRef()));
    }

    /** The app's environment: the spec's env, its secret env values, and what Deeploy tells every app. */
    public Map<String, String> environment(String jobId, JobSpec spec) {
        Map<String, String> env = new HashMap<>(spec.env());
        for (String name : spec.secretEnvNames()) {
            String value = get(jobId, "env." + name);
            if (value != null) {
                env.put(name, value);
            }
        }
        env.put("DEEPLOY_JOB_ID", jobId);
        env.put("DEEPLOY_NODE_ID", nodeId);
        env.put("PORT", String.valueOf(spec.port()));
        return env;
    }
}
