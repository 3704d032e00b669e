package io.deeploy.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.deeploy.events.Event;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.node.api.LogBatch;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.signing.DeeployWallet;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A job's logs through the public API: the batches its nodes send (through the gateway, which calls the internal path
 * with the platform's internal token, as here) are kept once each, the newest lines per source, and read or followed by
 * whoever may read the job; another tenant gets 404.
 */
@QuarkusTest
class JobLogsIT {

    static final String INTERNAL_TOKEN = "test-internal-token";
    static KafkaEvents kafka;

    @TestHTTPResource("/")
    URL base;

    @Inject
    Pool pool;

    @BeforeAll
    static void connect() {
        kafka = KafkaEvents.fromEnvironment();
    }

    @AfterAll
    static void close() {
        kafka.close();
    }

    long count(String sql, Object... params) {
        return pool.preparedQuery(sql).execute(Tuple.from(params)).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0);
    }

    /** What the gateway sends for {@code nodeId}: lines numbered from {@code first}, texts "{prefix}{number}". */
    static ValidatableResponse send(String token, String jobId, String nodeId, String source, long first, int count,
            String prefix) {
        List<LogBatch.LogLine> lines = IntStream.range(0, count).mapToObj(i -> new LogBatch.LogLine(first + i,
                Instant.parse("2026-11-30T12:00:00Z").plusMillis(first + i), prefix + (first + i))).toList();
        return send(token, jobId, Map.of("nodeId", nodeId, "batch", new LogBatch(source, "ctr-" + source, lines)));
    }

    static ValidatableResponse send(String token, String jobId, Object body) {
        var request = RestAssured.given().contentType("application/json").body(io.deeploy.events.EventCodec.toJson(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request.post("/internal/jobs/" + jobId + "/logs").then();
    }

    static List<String> texts(DeeployWallet reader, String path) {
        return SignedApi.get(reader, path).then().statusCode(200).extract().jsonPath().getList("lines.text", String.class);
    }

    @Test
    void aJobsLogsAreKeptOnceTheNewestPerSourceAndReadOnlyByWhoMayReadTheJob() {
        DeeployWallet owner = DeeployWallet.create();
        String jobId = JobLifecycleIT.runningJob(kafka, owner);
        String path = "/api/jobs/" + jobId + "/logs";

        // Only the platform's services hand logs on, well formed, for a job that exists; nothing is kept otherwise.
        send(null, jobId, "node-a", "app", 1, 1, "x").statusCode(401).body("code", equalTo("INTERNAL_UNAUTHORIZED"));
        send("not-the-token", jobId, "node-a", "app", 1, 1, "x").statusCode(401);
        send(INTERNAL_TOKEN, jobId, "node-a", "secrets", 1, 1, "x").statusCode(400).body("field", equalTo("source"));
        send(INTERNAL_TOKEN, jobId, Map.of("nodeId", "node-a", "batch", Map.of("source", "app", "stream", "c",
                "lines", List.of(Map.of("number", 2, "at", "2026-11-30T12:00:00Z", "text", "b"),
                        Map.of("number", 1, "at", "2026-11-30T12:00:00Z", "text", "a"))))).statusCode(400)
                .body("field", equalTo("lines[1]"));
        send(INTERNAL_TOKEN, "job-" + UUID.randomUUID(), "node-a", "app", 1, 1, "x").statusCode(404)
                .body("code", equalTo("JOB_NOT_FOUND"));
        assertThat(count("SELECT count(*) FROM job_log_line WHERE job_id = $1", jobId)).isZero();

        // Kept once, however often a batch comes.
        send(INTERNAL_TOKEN, jobId, "node-a", "build", 1, 2, "step ").statusCode(200).body("kept", equalTo(2));
        send(INTERNAL_TOKEN, jobId, "node-a", "app", 1, 3, "GET /").statusCode(200).body("kept", equalTo(3));
        send(INTERNAL_TOKEN, jobId, "node-a", "app", 1, 3, "GET /").statusCode(200).body("kept", equalTo(0));
        assertThat(count("SELECT count(*) FROM job_log_line WHERE job_id = $1", jobId)).isEqualTo(5);

        assertThat(texts(owner, path + "?source=build")).containsExactly("step 1", "step 2");
        assertThat(texts(owner, path)).containsExactly("GET /1", "GET /2", "GET /3");
        assertThat(texts(owner, path + "?lines=2")).containsExactly("GET /2", "GET /3");
        long firstSeq = SignedApi.get(owner, path).then().extract().jsonPath().getLong("lines[0].seq");
        assertThat(texts(owner, path + "?after=" + firstSeq)).containsExactly("GET /2", "GET /3");
        SignedApi.get(owner, path).then().body("lines[0].node", equalTo("node-a")).body("source", equalTo("app"));

        // Bad questions are 400s naming the parameter; another tenant's job is not there.
        SignedApi.get(owner, path + "?source=secrets").then().statusCode(400).body("field", equalTo("source"));
        SignedApi.get(owner, path + "?lines=0").then().statusCode(400).body("field", equalTo("lines"));
        SignedApi.get(owner, path + "?follow=true").then().statusCode(400).body("field", equalTo("follow"));
        SignedApi.get(DeeployWallet.create(), path).then().statusCode(404).body("code", equalTo("JOB_NOT_FOUND"));
        SignedApi.signed(DeeployWallet.create(), "GET", path + "?follow=true", null, null).accept("text/event-stream")
                .get(path + "?follow=true").then().statusCode(404).body(org.hamcrest.Matchers.containsString("JOB_NOT_FOUND"));

        // The newest lines are kept (deeploy.logs.lines-kept, 50 in tests): 60 more leave the last 50.
        send(INTERNAL_TOKEN, jobId, "node-a", "app", 100, 60, "line ").statusCode(200).body("kept", equalTo(60));
        List<String> kept = texts(owner, path + "?lines=1000");
        assertThat(kept).hasSize(50).startsWith("line 110").endsWith("line 159");
        assertThat(count("SELECT count(*) FROM job_log_line WHERE job_id = $1 AND source = 'app'", jobId)).isEqualTo(50);
        assertThat(texts(owner, path + "?source=build")).containsExactly("step 1", "step 2");
    }

    @Test
    void aFollowerGetsEachLineAsItArrivesUntilTheJobHasStopped() throws Exception {
        DeeployWallet owner = DeeployWallet.create();
        String jobId = JobLifecycleIT.runningJob(kafka, owner);
        send(INTERNAL_TOKEN, jobId, "node-a", "app", 1, 1, "before ").statusCode(200);

        String path = "/api/jobs/" + jobId + "/logs?follow=true";
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "") + path))
                .header("Accept", "text/event-stream").GET();
        owner.headers(SignedApi.audience(), "GET", path, "").forEach(request::header);
        List<String> events = new CopyOnWriteArrayList<>();
        CompletableFuture<HttpResponse<Void>> stream = HttpClient.newHttpClient().sendAsync(request.build(),
                HttpResponse.BodyHandlers.fromLineSubscriber(new java.util.concurrent.Flow.Subscriber<String>() {
                    @Override
                    public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
                        subscription.request(Long.MAX_VALUE);
                    }

                    @Override
                    public void onNext(String line) {
                        if (line.startsWith("id:") || line.startsWith("data:")) {
                            events.add(line);
                        }
                    }

                    @Override
                    public void onError(Throwable throwable) {
                    }

                    @Override
                    public void onComplete() {
                    }
                }));
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e.contains("before 1")));

        // Lines that arrive while it follows come to it, each once, in order.
        send(INTERNAL_TOKEN, jobId, "node-a", "app", 2, 2, "after ").statusCode(200);
        send(INTERNAL_TOKEN, jobId, "node-a", "app", 2, 2, "after ").statusCode(200);
        send(INTERNAL_TOKEN, jobId, "node-a", "build", 1, 1, "not the app ").statusCode(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e.contains("after 3")));
        assertThat(stream).isNotDone();

        // The job stops: what came is sent and the stream ends.
        SignedApi.post(owner, "/api/jobs/" + jobId + "/stop", null, null).then().statusCode(202);
        kafka.publish(Event.of(new JobStopped(jobId, "node-a", "stopped by owner")));
        HttpResponse<Void> ended = stream.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(ended.statusCode()).isEqualTo(200);
        List<String> data = events.stream().filter(e -> e.startsWith("data:")).toList();
        assertThat(data).hasSize(3);
        assertThat(data.get(0)).contains("\"before 1\"");
        assertThat(data.get(1)).contains("\"after 2\"");
        assertThat(data.get(2)).contains("\"after 3\"");
        List<Long> ids = new ArrayList<>(events.stream().filter(e -> e.startsWith("id:"))
                .map(e -> Long.parseLong(e.substring(3).strip())).toList());
        assertThat(ids).hasSize(3).isSorted();
    }
}
