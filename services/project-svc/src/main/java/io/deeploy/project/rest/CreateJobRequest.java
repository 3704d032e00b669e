package io.deeploy.project.rest;

import io.deeploy.events.payload.JobKind;
import java.util.List;
import java.util.Map;

/**
 * A job as a user asks for it. Optional fields are null when absent; {@link io.deeploy.project.service.JobSpecValidator}
 * checks every field, applies defaults and names the first bad field in its error. {@code secretEnv} holds environment
 * values that are secrets: stored encrypted, given to the app like {@code env}, never shown by the API. {@code egress}
 * is where the job's containers may connect: {@code internet} (the default: public addresses only), {@code none}, or
 * {@code all} (private ranges too) where the operator allows it. {@code jobType} (escrow mode) is the chain job type the
 * owner will pay by: it must give each node at least {@code resources}; absent, the cheapest type that does is chosen.
 */
public record CreateJobRequest(
        String alias,
        JobKind kind,
        String image,
        Repository repository,
        List<String> commands,
        Map<String, String> env,
        Map<String, String> secretEnv,
        Integer port,
        Resources resources,
        String restartPolicy,
        HealthCheck healthCheck,
        List<String> targetNodes,
        Integer targetNodeCount,
        List<String> nodeTags,
        Integer durationEpochs,
        List<Volume> volumes,
        List<FileVolume> fileVolumes,
        Tunnel tunnel,
        Registry registry,
        String egress,
        Integer jobType) {

    /**
     * The private registry that holds {@code image} (a CAR job's app image, a WAR job's base image): {@code server} is its
     * host or host:port, the one the image reference starts with. {@code password} is write-only like the repository
     * token (stored encrypted as the job secret {@code registry.password}, never shown again).
     */
    public record Registry(String server, String username, String password) {
    }

    /**
     * A public URL beside the built-in ingress: {@code engine} builtin (the default), cloudflare or ngrok. {@code token}
     * is write-only like the repository token (stored encrypted as the job secret {@code tunnel.token}, never shown
     * again); {@code hostname} is a named Cloudflare tunnel's public hostname or a reserved ngrok domain.
     */
    public record Tunnel(String engine, String token, String hostname) {
    }

    /** Persistent storage mounted at {@code mountPath}; kept across redeploys, removed with the job. */
    public record Volume(String name, String mountPath) {
    }

    /** A file with the given content, mounted read-only at {@code mountPath}. */
    public record FileVolume(String name, String mountPath, String content) {
    }

    /**
     * {@code token} (with {@code username}) opens a private repository over HTTP(S); it is write-only: stored encrypted,
     * never shown again.
     */
    public record Repository(String url, String branch, String username, String token, Integer pollIntervalSeconds) {
    }

    /** CPU in cores (fractions allowed), memory in MiB. */
    public record Resources(Double cpu, Integer memoryMb, Integer gpu) {
    }

    /**
     * How the app is found ready at start (within {@code timeoutSeconds} after {@code initialDelaySeconds}) and alive
     * afterwards (checked every {@code intervalSeconds}; a few failures in a row restart it).
     */
    public record HealthCheck(String mode, String path, Integer initialDelaySeconds, Integer timeoutSeconds,
            Integer intervalSeconds) {
    }
}
