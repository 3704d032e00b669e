package io.deeploy.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.Backoff;
import io.deeploy.events.EventCodec;
import io.deeploy.signing.DeeployWallet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The Deeploy API from Java. Each call is signed by a wallet (as the API's signature scheme says, for the installation's
 * audience, read once from {@code GET /api/auth}) or carries a project's API token. A call that changes something has one
 * Idempotency-Key, kept across its retries: a call retried after a lost answer or a 5xx takes effect once. A refusal is
 * a {@link DeeployApiException} with the API's code and field.
 *
 * <pre>{@code
 * DeeployClient deeploy = DeeployClient.withWallet("http://localhost:8081", DeeployWallet.fromPrivateKey(key));
 * Project project = deeploy.createProject("site");
 * Job job = deeploy.createJob(project.id(), JobRequest.war("hello", "https://github.com/me/site.git", "main",
 *         "local/python:bookworm").commands("python3 -m http.server 8000").port(8000).resources(0.5, 256));
 * System.out.println(deeploy.awaitState(job.id(), "RUNNING", Duration.ofMinutes(2)).url());
 * }</pre>
 */
public final class DeeployClient {

    /** How often a call is sent in all when the API cannot be reached or answers 5xx. */
    static final int ATTEMPTS = 4;
    static final Backoff RETRY = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(2));

    private final String baseUrl;
    private final DeeployWallet wallet;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile String audience;

    private DeeployClient(String baseUrl, DeeployWallet wallet, String token) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.wallet = wallet;
        this.token = token;
    }

    /** Calls signed by {@code wallet}: everything its owner, or whose delegate it is, may do. */
    public static DeeployClient withWallet(String baseUrl, DeeployWallet wallet) {
        return new DeeployClient(baseUrl, wallet, null);
    }

    /** Calls carrying a project's API token ({@code dpt_...}): that one project, within the token's permissions. */
    public static DeeployClient withToken(String baseUrl, String token) {
        return new DeeployClient(baseUrl, null, token);
    }

    // Projects

    public Project createProject(String name) {
        return project(call("POST", "/api/projects", Map.of("name", name)));
    }

    public Project project(String projectId) {
        return project(call("GET", "/api/projects/" + encode(projectId), null));
    }

    /** The caller's projects (the first page of up to 500). */
    public List<Project> projects() {
        return list(call("GET", "/api/projects?limit=500", null)).map(DeeployClient::project).toList();
    }

    public void deleteProject(String projectId) {
        call("DELETE", "/api/projects/" + encode(projectId), null);
    }

    /** A token for one project with {@code permissions} (create, extend, nodes, redeem); the token is in this answer only. */
    public String createToken(String projectId, String name, String... permissions) {
        return call("POST", "/api/projects/" + encode(projectId) + "/tokens", Map.of("name", name,
                "permissions", List.of(permissions))).path("token").asText();
    }

    /** Lets {@code address} act on the caller's projects with {@code permissions}. */
    public void setDelegate(String address, String... permissions) {
        call("PUT", "/api/delegates/" + encode(address), Map.of("permissions", List.of(permissions)));
    }

    public void removeDelegate(String address) {
        call("DELETE", "/api/delegates/" + encode(address), null);
    }

    // Jobs

    public Job createJob(String projectId, JobRequest request) {
        return new Job(call("POST", "/api/projects/" + encode(projectId) + "/jobs", request.fields()));
    }

    public Job job(String jobId) {
        return new Job(call("GET", jobPath(jobId), null));
    }

    /** The project's jobs (the first page of up to 500). */
    public List<Job> jobs(String projectId) {
        return list(call("GET", "/api/projects/" + encode(projectId) + "/jobs?limit=500", null)).map(Job::new).toList();
    }

    /** Waits until the job is in {@code state}; fails early if it FAILED or stopped instead, or after {@code within}. */
    public Job awaitState(String jobId, String state, Duration within) {
        Instant deadline = Instant.now().plus(within);
        while (true) {
            Job job = job(jobId);
            if (job.state().equals(state)) {
                return job;
            }
            if (job.state().equals("FAILED") || (job.state().equals("STOPPED") && !state.equals("STOPPED"))) {
                throw new IllegalStateException("job " + jobId + " is " + job.state() + ", not " + state
                        + (job.lastError() == null ? "" : ": " + job.lastError()));
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("job " + jobId + " is still " + job.state() + " after " + within);
            }
            sleep(Duration.ofMillis(500));
        }
    }

    /** Edits a live job: the fields given change ({@code commands}, {@code env}, {@code resources}...), a new revision. */
    public Job edit(String jobId, Map<String, Object> changes) {
        return new Job(call("PATCH", jobPath(jobId), changes));
    }

    public Job restart(String jobId) {
        return new Job(call("POST", jobPath(jobId) + "/restart", null));
    }

    public Job redeploy(String jobId) {
        return new Job(call("POST", jobPath(jobId) + "/redeploy", null));
    }

    /** Back to a commit that served (auto-deploy paused until {@link #resume}). */
    public Job rollbackToCommit(String jobId, String commit) {
        return new Job(call("POST", jobPath(jobId) + "/rollback", Map.of("commit", commit)));
    }

    /** Back to an earlier revision's spec (what an edit changes; the nodes stay). */
    public Job rollbackToRevision(String jobId, long revision) {
        return new Job(call("POST", jobPath(jobId) + "/rollback", Map.of("revision", revision)));
    }

    public Job resume(String jobId) {
        return new Job(call("POST", jobPath(jobId) + "/resume", null));
    }

    /** More or fewer nodes; in escrow mode the answer may hold transactions to sign first (see {@link Job#json()}). */
    public JsonNode scale(String jobId, int nodeCount) {
        return call("POST", jobPath(jobId) + "/nodes", Map.of("targetNodeCount", nodeCount));
    }

    /** Longer by {@code epochs}; in escrow mode the answer holds the transactions to sign. */
    public JsonNode extend(String jobId, int epochs) {
        return call("POST", jobPath(jobId) + "/extend", Map.of("epochs", epochs));
    }

    public Job stop(String jobId) {
        return new Job(call("POST", jobPath(jobId) + "/stop", null));
    }

    // Logs and webhooks

    /** The newest {@code lines} lines of the job's build or app output ({@code source}: build or app). */
    public List<LogLine> logs(String jobId, String source, int lines) {
        List<LogLine> found = new ArrayList<>();
        call("GET", jobPath(jobId) + "/logs?source=" + encode(source) + "&lines=" + lines, null).path("lines")
                .forEach(line -> found.add(line(line)));
        return found;
    }

    /**
     * Follows the job's output: {@code each} gets the newest {@code lines} lines and then every line as it arrives, until
     * the job has stopped (then this returns how many lines came) or the thread is interrupted.
     */
    public int followLogs(String jobId, String source, int lines, Consumer<LogLine> each) {
        String target = jobPath(jobId) + "/logs?source=" + encode(source) + "&lines=" + lines + "&follow=true";
        HttpRequest.Builder request = authorized(HttpRequest.newBuilder(URI.create(baseUrl + target))
                .header("Accept", "text/event-stream").GET(), "GET", target, "");
        HttpResponse<Stream<String>> response = send(request.build(), HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() != 200) {
            throw refusal(response.statusCode(), response.body().reduce("", String::concat));
        }
        int[] count = {0};
        try (Stream<String> events = response.body()) {
            events.filter(event -> event.startsWith("data:")).forEach(event -> {
                each.accept(line(read(event.substring("data:".length()).strip())));
                count[0]++;
            });
        }
        return count[0];
    }

    /** Makes (or rotates) the job's push webhook: its URL and secret, shown this once. */
    public Webhook createWebhook(String jobId) {
        JsonNode made = call("POST", jobPath(jobId) + "/webhook", null);
        return new Webhook(made.path("url").asText(), made.path("secret").asText());
    }

    // The calls

    /**
     * One call of the API: {@code body} sent as JSON (null for none); the answer's JSON (an empty object for none).
     * Retried on a lost answer, a 5xx or a 429, with the same Idempotency-Key; a 4xx is thrown as it is.
     */
    public JsonNode call(String method, String target, Object body) {
        return callWithJson(method, target, body == null ? null : EventCodec.toJson(body), null);
    }

    /**
     * {@link #call} with a body already in JSON, sent as it is (null for none), and the Idempotency-Key of a change given
     * by the caller ({@code null}: a new one), for a caller that retries across processes (the shell helper).
     */
    public JsonNode callWithJson(String method, String target, String json, String idempotencyKey) {
        String key = method.equals("GET") || method.equals("DELETE") ? null
                : idempotencyKey == null ? UUID.randomUUID().toString() : idempotencyKey;
        String signedBody = json == null ? "" : json;
        for (int attempt = 1; ; attempt++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + target)).timeout(Duration.ofSeconds(30))
                    .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
            if (json != null) {
                request.header("Content-Type", "application/json");
            }
            if (key != null) {
                request.header("Idempotency-Key", key);
            }
            HttpResponse<String> response = null;
            IOException unsent = null;
            try {
                // Signed anew for each attempt: a signature's nonce is good once.
                response = http.send(authorized(request, method, target, signedBody).build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                unsent = e;
            } catch (UncheckedIOException e) {
                // The audience, asked before the first signature, could not be had: retried as the call is.
                unsent = e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            if (unsent != null) {
                if (attempt == ATTEMPTS) {
                    throw new UncheckedIOException("the API at " + baseUrl + " cannot be reached", unsent);
                }
                sleep(RETRY.after(attempt));
                continue;
            }
            int status = response.statusCode();
            if ((status >= 500 || status == 429) && attempt < ATTEMPTS) {
                sleep(RETRY.after(attempt));
                continue;
            }
            if (status >= 400) {
                throw refusal(status, response.body());
            }
            return response.body() == null || response.body().isBlank() ? EventCodec.mapper().createObjectNode()
                    : read(response.body());
        }
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request, String method, String target, String body) {
        if (token != null) {
            return request.header("Authorization", "Bearer " + token);
        }
        wallet.headers(audience(), method, target, body).forEach(request::header);
        return request;
    }

    /** The installation's audience, which signatures are bound to: asked once. */
    private String audience() {
        String known = audience;
        if (known == null) {
            HttpResponse<String> answer = send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/auth")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            known = read(answer.body()).path("audience").asText(null);
            if (answer.statusCode() != 200 || known == null) {
                throw new IllegalStateException("the API at " + baseUrl + " names no audience (GET /api/auth: "
                        + answer.statusCode() + ")");
            }
            audience = known;
        }
        return known;
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw new UncheckedIOException("the API at " + baseUrl + " cannot be reached", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static DeeployApiException refusal(int status, String body) {
        JsonNode error;
        try {
            error = EventCodec.mapper().readTree(body == null ? "" : body);
        } catch (IOException e) {
            error = null;
        }
        if (error == null || !error.isObject()) {
            return new DeeployApiException(status, "HTTP_" + status, null, body == null ? "" : body);
        }
        return new DeeployApiException(status, error.path("code").asText("HTTP_" + status),
                error.path("field").isNull() ? null : error.path("field").asText(null), error.path("message").asText(""));
    }

    private static JsonNode read(String json) {
        try {
            return EventCodec.mapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("the API sent an unreadable answer", e);
        }
    }

    private static Stream<JsonNode> list(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items.stream();
    }

    private static Project project(JsonNode json) {
        return new Project(json.path("id").asText(), json.path("name").asText(), json.path("owner").asText());
    }

    private static LogLine line(JsonNode json) {
        return new LogLine(json.path("seq").asLong(), Instant.parse(json.path("at").asText()), json.path("node").asText(),
                json.path("text").asText());
    }

    private static String jobPath(String jobId) {
        return "/api/jobs/" + encode(jobId);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
