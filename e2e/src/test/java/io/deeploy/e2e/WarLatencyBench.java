package io.deeploy.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.EventCodec;
import io.deeploy.outbox.testing.GitDaemon;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Benchmark (not part of the test run; see bench/README.md): request-to-live and commit-to-live of a WAR job through
 * the whole platform, with the time split into the platform's hops and the time the build and app start take.
 * Iterations: -Dbench.iterations (default 5).
 */
class WarLatencyBench {

    static final int ITERATIONS = Integer.getInteger("bench.iterations", 5);

    record Sample(long total, long schedule, long toAgent, long buildAndStart, long toIngress) {
    }

    @Test
    void measure() throws Exception {
        try (GitDaemon git = GitDaemon.start(); Platform platform = Platform.start("bench-node-" + UUID.randomUUID().toString().substring(0, 6))) {
            waitFor(() -> Platform.get(platform.url("scheduler-svc", "/api/nodes/" + platform.nodeId)).statusCode() == 200, 30);
            String projectId = json(platform.apiPost("/api/projects", "{\"name\":\"bench\"}",
                    UUID.randomUUID().toString())).path("id").asText();
            List<Sample> requestToLive = new ArrayList<>();
            List<Long> pollToLive = new ArrayList<>();
            List<Long> webhookToLive = new ArrayList<>();
            for (int i = 0; i < ITERATIONS; i++) {
                String repo = "bench" + UUID.randomUUID().toString().substring(0, 8);
                String repoUrl = git.createRepository(repo, Map.of("index.html", "v1"));
                String alias = "b" + UUID.randomUUID().toString().substring(0, 8);
                String body = platform.pythonSiteJob(alias, repoUrl, "true");
                long start = System.nanoTime();
                Instant requestedAt = Instant.now();
                String jobId = json(platform.apiPost("/api/projects/" + projectId + "/jobs", body,
                        UUID.randomUUID().toString())).path("id").asText();
                String url = "http://" + alias + ".apps.localhost:" + platform.ingressPort + "/";
                waitFor(() -> platform.serve(url).equals("v1"), 120);
                long total = millis(start);
                Instant servedAt = Instant.now();
                JsonNode history = json(platform.apiGet("/api/jobs/" + jobId)).path("history");
                Instant scheduled = at(history, "SCHEDULED");
                Instant building = at(history, "BUILDING");
                Instant running = at(history, "RUNNING");
                requestToLive.add(new Sample(total, Duration.between(requestedAt, scheduled).toMillis(),
                        Duration.between(scheduled, building).toMillis(), Duration.between(building, running).toMillis(),
                        Duration.between(running, servedAt).toMillis()));

                long pushed = System.nanoTime();
                git.commit(repo, Map.of("index.html", "v2"), "v2");
                waitFor(() -> platform.serve(url).equals("v2"), 90);
                pollToLive.add(millis(pushed));

                pushed = System.nanoTime();
                git.commit(repo, Map.of("index.html", "v3"), "v3");
                String push = "{\"ref\":\"refs/heads/main\",\"repository\":{\"clone_url\":\"" + repoUrl + "\"}}";
                Platform.HTTP.send(HttpRequest.newBuilder(URI.create(platform.url("builder-svc", "/api/webhooks/git")))
                        .header("Content-Type", "application/json").header("X-Hub-Signature-256", sign(push))
                        .POST(HttpRequest.BodyPublishers.ofString(push)).build(), HttpResponse.BodyHandlers.ofString());
                waitFor(() -> platform.serve(url).equals("v3"), 90);
                webhookToLive.add(millis(pushed));

                platform.apiPost("/api/jobs/" + jobId + "/stop", "", null);
            }
            System.out.println("bench: WAR request-to-live over " + ITERATIONS + " jobs (ms): total "
                    + stats(requestToLive.stream().map(Sample::total).toList())
                    + " | scheduler hop " + stats(requestToLive.stream().map(Sample::schedule).toList())
                    + " | agent hop + clone " + stats(requestToLive.stream().map(Sample::toAgent).toList())
                    + " | build + app start + health " + stats(requestToLive.stream().map(Sample::buildAndStart).toList())
                    + " | ingress hop " + stats(requestToLive.stream().map(Sample::toIngress).toList()));
            System.out.println("bench: WAR commit-to-live, poll every 5 s (ms): " + stats(pollToLive));
            System.out.println("bench: WAR commit-to-live, webhook (ms): " + stats(webhookToLive));
        }
    }

    static String stats(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return "median " + sorted.get(sorted.size() / 2) + ", min " + sorted.get(0) + ", max " + sorted.get(sorted.size() - 1);
    }

    static Instant at(JsonNode history, String state) {
        for (JsonNode step : history) {
            if (state.equals(step.path("to").asText())) {
                return Instant.parse(step.path("at").asText());
            }
        }
        throw new IllegalStateException("no " + state + " in " + history);
    }

    static String sign(String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Platform.WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return EventCodec.mapper().readTree(response.body());
    }

    static long millis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void waitFor(Check check, int seconds) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("not reached within " + seconds + " s");
    }
}
