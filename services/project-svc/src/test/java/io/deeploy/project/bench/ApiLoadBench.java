package io.deeploy.project.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.EventCodec;
import io.deeploy.outbox.testing.ServiceProcesses;
import io.deeploy.outbox.testing.TestInfra;
import io.deeploy.signing.DeeployWallet;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.Test;

/**
 * The public API under load: a benchmark, not a test (nothing is asserted but that nothing was lost or duplicated; see
 * bench/README.md). The packaged project-svc runs alone as a process on the test instance's PostgreSQL and Kafka. A
 * project's API token (no signature to check per request) drives, at each concurrency of the ramp, closed-loop clients
 * for a fixed time through three paths, one after the other: the reference, {@code GET /api/auth} (the same HTTP stack
 * and JSON, no database); job reads ({@code GET /api/jobs/{id}}, a random job of those made); and job creates (a WAR job
 * each, with an Idempotency-Key: a row, its history and an outbox event in one transaction). Printed per step:
 * requests/s, latency p50/p99/p99.9 (HdrHistogram), failures, and the service's CPU and RSS. At the end the project's
 * jobs are listed through the API and compared with the creates answered 201.
 *
 * <p>Run from the repository root: {@code bench/load.sh project-svc}; -Dbench.clients=1,8,32, -Dbench.seconds=20.
 */
class ApiLoadBench {

    static final List<Integer> CLIENTS = Arrays.stream(System.getProperty("bench.clients", "1,8,32").split(","))
            .map(String::strip).map(Integer::parseInt).toList();
    static final int MEASURE_SECONDS = Integer.getInteger("bench.seconds", 20);
    static final int WARM_UP_SECONDS = 15;
    static final Path SERVICE_LOG = Path.of("target", "api-load-bench-project-svc.log");
    static final String AUDIENCE = "deeploy-bench-" + UUID.randomUUID();

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final Set<String> created = ConcurrentHashMap.newKeySet();
    String base;
    String token;
    String projectId;

    @Test
    void measure() throws Exception {
        int port = ServiceProcesses.freePort();
        base = "http://127.0.0.1:" + port;
        Process service = launch(port);
        try {
            ServiceProcesses.awaitReady("project-svc", service, base + "/q/health/ready", SERVICE_LOG);
            System.out.printf("bench: project-svc ready, RSS %d MB%n", ServiceProcesses.rssMb(service.pid()));
            setUp();
            for (int round = 0; round < 3 && created.size() < 10; round++) {
                // A few jobs to read before the first read step.
                create();
            }
            step("warm-up", 8, WARM_UP_SECONDS, service, this::create);
            step("warm-up", 8, WARM_UP_SECONDS, service, this::read);
            for (int clients : CLIENTS) {
                step("reference GET /api/auth", clients, MEASURE_SECONDS, service, this::reference);
                step("read GET /api/jobs/{id}", clients, MEASURE_SECONDS, service, this::read);
                step("create POST /api/projects/{id}/jobs", clients, MEASURE_SECONDS, service, this::create);
            }
            checkNothingLostOrDuplicated();
        } finally {
            ServiceProcesses.stop(service);
        }
    }

    /** A project of a new wallet, and a token for it with the create permission. */
    void setUp() throws Exception {
        DeeployWallet owner = DeeployWallet.create();
        projectId = json(signed(owner, "POST", "/api/projects", "{\"name\":\"bench-" + UUID.randomUUID() + "\"}"))
                .path("id").asText();
        token = json(signed(owner, "POST", "/api/projects/" + projectId + "/tokens",
                "{\"name\":\"bench\",\"permissions\":[\"create\"]}")).path("token").asText();
        if (token.isEmpty()) {
            throw new IllegalStateException("no token was made");
        }
    }

    HttpResponse<String> signed(DeeployWallet wallet, String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").header("Idempotency-Key", UUID.randomUUID().toString())
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        wallet.headers(AUDIENCE, method, path, body).forEach(request::header);
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " " + response.body());
        }
        return response;
    }

    /** One request of a path: whether it was answered as it should be. */
    @FunctionalInterface
    interface Call {
        boolean send() throws Exception;
    }

    boolean reference() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/api/auth")).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }

    boolean read() throws Exception {
        List<String> ids = new ArrayList<>(created);
        String id = ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
        return http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs/" + id)).header("Authorization", "Bearer " + token)
                .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }

    boolean create() throws Exception {
        String alias = "b" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        String body = "{\"alias\":\"" + alias + "\",\"kind\":\"WAR\",\"image\":\"local/python:bookworm\","
                + "\"repository\":{\"url\":\"https://git.example.org/app.git\",\"branch\":\"main\"},"
                + "\"commands\":[\"python3 -m http.server 8000\"],\"port\":8000,\"resources\":{\"cpu\":0.25,\"memoryMb\":128}}";
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/api/projects/" + projectId + "/jobs"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .header("Idempotency-Key", UUID.randomUUID().toString()).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            return false;
        }
        created.add(json(response).path("id").asText());
        return true;
    }

    /** {@code clients} closed-loop clients send {@code call} for {@code seconds}; prints what was measured. */
    void step(String label, int clients, int seconds, Process service, Call call) throws Exception {
        Recorder recorder = new Recorder(3);
        AtomicInteger failed = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch done = new CountDownLatch(clients);
        long cpuBefore = ServiceProcesses.cpuMillis(service.pid());
        long start = System.nanoTime();
        for (int i = 0; i < clients; i++) {
            Thread client = new Thread(() -> {
                try {
                    while (running.get()) {
                        long sent = System.nanoTime();
                        boolean ok;
                        try {
                            ok = call.send();
                        } catch (Exception e) {
                            ok = false;
                        }
                        if (ok) {
                            recorder.recordValue((System.nanoTime() - sent) / 1_000);
                        } else {
                            failed.incrementAndGet();
                        }
                    }
                } finally {
                    done.countDown();
                }
            });
            client.setDaemon(true);
            client.start();
        }
        Thread.sleep(seconds * 1000L);
        running.set(false);
        done.await();
        double wall = (System.nanoTime() - start) / 1e9;
        double cores = (ServiceProcesses.cpuMillis(service.pid()) - cpuBefore) / 1000.0 / wall;
        Histogram histogram = recorder.getIntervalHistogram();
        if (label.equals("warm-up")) {
            return;
        }
        System.out.printf("bench: %-38s %3d clients: %7.0f req/s, p50 %6.2f ms, p99 %6.2f ms, p99.9 %6.2f ms, %d failed;"
                        + " project-svc CPU %.2f cores, RSS %d MB%n", label, clients, histogram.getTotalCount() / wall,
                histogram.getValueAtPercentile(50) / 1e3, histogram.getValueAtPercentile(99) / 1e3,
                histogram.getValueAtPercentile(99.9) / 1e3, failed.get(), cores, ServiceProcesses.rssMb(service.pid()));
    }

    /** Lists the project's jobs through the API, page by page, and compares them with the creates answered 201. */
    void checkNothingLostOrDuplicated() throws Exception {
        Set<String> listed = new HashSet<>();
        int rows = 0;
        String next = "/api/projects/" + projectId + "/jobs?limit=100";
        while (next != null) {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + next))
                    .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
            for (JsonNode job : json(page)) {
                listed.add(job.path("id").asText());
                rows++;
            }
            // Link: </api/projects/{id}/jobs?after=...&limit=...>; rel="next"
            next = page.headers().firstValue("Link").filter(link -> link.contains("rel=\"next\""))
                    .map(link -> link.substring(link.indexOf('<') + 1, link.indexOf('>'))).orElse(null);
        }
        System.out.printf("bench: created %d jobs (201), listed %d (%d distinct): %s%n", created.size(), rows, listed.size(),
                listed.equals(created) && rows == listed.size() ? "nothing lost or duplicated" : "MISMATCH");
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        return EventCodec.mapper().readTree(response.body());
    }

    static Process launch(int port) throws IOException {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        Path keys = Files.createTempDirectory("api-load-bench");
        ProcessBuilder builder = new ProcessBuilder("java", "-Xmx256m", "-jar", jar.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(SERVICE_LOG.toFile()));
        Map<String, String> env = builder.environment();
        env.putAll(TestInfra.serviceEnvironment("project-svc"));
        env.put("DEEPLOY_HTTP_PORT", String.valueOf(port));
        env.put("DEEPLOY_AUDIENCE", AUDIENCE);
        env.put("DEEPLOY_SECRETS_KEY_FILE", keys.resolve("secrets.keys").toString());
        env.put("DEEPLOY_AUTH_LOG_GRANT_KEY_FILE", keys.resolve("log-grant.key").toString());
        return builder.start();
    }
}
