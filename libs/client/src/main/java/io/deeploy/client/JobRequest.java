package io.deeploy.client;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A job to create, field by field as the API takes it ({@code POST /api/projects/{id}/jobs}): start from
 * {@link #war} (a Git repository built and run) or {@link #car} (an image run), then set what differs from the
 * platform's defaults. The platform checks everything; a bad field comes back as a {@link DeeployApiException} naming it.
 */
public final class JobRequest {

    private final Map<String, Object> fields = new LinkedHashMap<>();

    private JobRequest(String alias, String kind) {
        fields.put("alias", alias);
        fields.put("kind", kind);
    }

    /** A Worker App Runner job: {@code repository}'s {@code branch}, built and run in {@code image}. */
    public static JobRequest war(String alias, String repositoryUrl, String branch, String image) {
        JobRequest job = new JobRequest(alias, "WAR");
        job.fields.put("image", image);
        job.fields.put("repository", new LinkedHashMap<>(Map.of("url", repositoryUrl, "branch", branch)));
        return job;
    }

    /** A Container App Runner job: {@code image} run as it is. */
    public static JobRequest car(String alias, String image) {
        JobRequest job = new JobRequest(alias, "CAR");
        job.fields.put("image", image);
        return job;
    }

    /** A private repository: its user and token (stored encrypted, never shown again). */
    @SuppressWarnings("unchecked")
    public JobRequest repositoryCredentials(String username, String token) {
        Map<String, Object> repository = (Map<String, Object>) fields.get("repository");
        if (repository == null) {
            throw new IllegalStateException("a CAR job has no repository");
        }
        repository.put("username", username);
        repository.put("token", token);
        return this;
    }

    /** The build steps, then the command that runs the app. */
    public JobRequest commands(String... commands) {
        return set("commands", List.of(commands));
    }

    public JobRequest env(Map<String, String> env) {
        return set("env", Map.copyOf(env));
    }

    /** Secret env values: stored encrypted, given to the app only, never shown again. */
    public JobRequest secretEnv(Map<String, String> secretEnv) {
        return set("secretEnv", Map.copyOf(secretEnv));
    }

    public JobRequest port(int port) {
        return set("port", port);
    }

    public JobRequest resources(double cpu, int memoryMb) {
        return set("resources", Map.of("cpu", cpu, "memoryMb", memoryMb));
    }

    public JobRequest resources(double cpu, int memoryMb, int gpu) {
        return set("resources", Map.of("cpu", cpu, "memoryMb", memoryMb, "gpu", gpu));
    }

    /** always, on-failure or no. */
    public JobRequest restartPolicy(String policy) {
        return set("restartPolicy", policy);
    }

    /** An HTTP check of {@code path}, at start and every {@code intervalSeconds} while it runs. */
    public JobRequest httpHealthCheck(String path, int intervalSeconds) {
        return set("healthCheck", Map.of("mode", "http", "path", path, "intervalSeconds", intervalSeconds));
    }

    public JobRequest targetNodes(String... nodeIds) {
        return set("targetNodes", List.of(nodeIds));
    }

    public JobRequest targetNodeCount(int count) {
        return set("targetNodeCount", count);
    }

    /** Tag filters in the seed's grammar, each of which must match ({@code "CT:FR||CT:IT"}, {@code "!IS_KYB"}). */
    public JobRequest nodeTags(String... expressions) {
        return set("nodeTags", List.of(expressions));
    }

    public JobRequest durationEpochs(int epochs) {
        return set("durationEpochs", epochs);
    }

    /** A persistent volume kept on the node across restarts and redeploys. */
    public JobRequest volume(String name, String mountPath) {
        return add("volumes", Map.of("name", name, "mountPath", mountPath));
    }

    /** A file with {@code content}, mounted read-only at {@code mountPath}. */
    public JobRequest fileVolume(String name, String mountPath, String content) {
        return add("fileVolumes", Map.of("name", name, "mountPath", mountPath, "content", content));
    }

    /** builtin (the platform's ingress, the default), cloudflare or ngrok, with the engine's token and hostname. */
    public JobRequest tunnel(String engine, String token, String hostname) {
        Map<String, Object> tunnel = new LinkedHashMap<>();
        tunnel.put("engine", engine);
        if (token != null) {
            tunnel.put("token", token);
        }
        if (hostname != null) {
            tunnel.put("hostname", hostname);
        }
        return set("tunnel", tunnel);
    }

    /** The private registry that holds the image: its host[:port] and credentials. */
    public JobRequest registry(String server, String username, String password) {
        return set("registry", Map.of("server", server, "username", username, "password", password));
    }

    /** internet (the default), none, or all (where the operator allows it). */
    public JobRequest egress(String egress) {
        return set("egress", egress);
    }

    /** Escrow mode: the job type to pay by (else the cheapest that covers the resources). */
    public JobRequest jobType(int jobType) {
        return set("jobType", jobType);
    }

    /** Any other field, as the API names it. */
    public JobRequest set(String field, Object value) {
        fields.put(field, value);
        return this;
    }

    @SuppressWarnings("unchecked")
    private JobRequest add(String field, Object item) {
        ((List<Object>) fields.computeIfAbsent(field, f -> new java.util.ArrayList<>())).add(item);
        return this;
    }

    /** The request's JSON fields. */
    public Map<String, Object> fields() {
        return java.util.Collections.unmodifiableMap(fields);
    }
}
