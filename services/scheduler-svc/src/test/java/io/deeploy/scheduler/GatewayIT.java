package io.deeploy.scheduler;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.BuildStarted;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.NodeStatus;
import io.deeploy.events.payload.NodeStatusChanged;
import io.deeploy.events.payload.Resources;
import io.deeploy.node.Ed25519Keys;
import io.deeploy.node.NodeRequest;
import io.deeploy.node.NodeSigner;
import io.deeploy.node.api.Allocation;
import io.deeploy.node.api.DesiredAllocations;
import io.deeploy.node.api.GatewayApi;
import io.deeploy.node.api.LogBatch;
import io.deeploy.node.api.StatusReport;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.scheduler.rest.GatewayListener;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The node gateway under attack by the nodes it serves, against the real service, Kafka and PostgreSQL: each test does
 * what a dishonest or compromised node would try and checks that it is refused and that nothing changed (no event, no
 * registry row). And what an honest node relies on: a long poll that wakes on its allocations' change, and stops that
 * converge whatever happens to the node.
 */
@QuarkusTest
@QuarkusTestResource(ProjectStandInResource.class)
class GatewayIT {

    static KafkaEvents kafka;

    @Inject
    GatewayListener gateway;

    @BeforeAll
    static void connect() {
        kafka = KafkaEvents.fromEnvironment();
    }

    @AfterAll
    static void close() {
        kafka.close();
    }

    static String newId(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 13);
    }

    static JobSpec spec(String alias, String node) {
        return new JobSpec(JobKind.CAR, alias, "local/debian:bookworm", null, List.of(), Map.of(), List.of(), 80,
                new Resources(100, 64, 0), "always", null, List.of(node), 1, List.of(), 30, null, null, null, null);
    }

    /** A registered node that the gateway accepts (its registration consumed, one heartbeat through). */
    /**
     * Room for far more than this class's jobs: the scheduler also places jobs that other tests of the run requested
     * without targets, and those must not crowd out the jobs a test targets at its node.
     */
    static final Resources ROOMY = new Resources(64_000, 65_536, 0);

    TestNode ready(String nodeId) {
        return ready(nodeId, ROOMY);
    }

    TestNode ready(String nodeId, Resources capacity) {
        TestNode node = TestNode.register(kafka, gateway.port(), nodeId, "10.77.0.2");
        await().atMost(Duration.ofSeconds(20)).until(() -> node.heartbeat(capacity, Map.of(), List.of()) == 200);
        node.capacity = capacity;
        return node;
    }

    /** Requests a job on {@code node} (as project-svc would) and waits until it is allocated there. */
    String placeOn(TestNode node, String alias) {
        String jobId = "job-" + UUID.randomUUID();
        kafka.publish(Event.of(new JobRequested(jobId, "prj", "0xowner", spec(alias, node.id))));
        // The node beats while it waits, as an agent does, so that it is not taken for lost before the job is placed.
        await().atMost(Duration.ofSeconds(20)).until(() -> node.heartbeat(node.capacity, Map.of(), List.of()) == 200
                && node.allocations(-1, 0).allocations().stream()
                .anyMatch(a -> a.jobId().equals(jobId) && a.desired() == Allocation.Desired.RUN));
        return jobId;
    }

    List<Event<?>> jobEvents(String jobId) {
        return kafka.eventsWithKey(Topics.JOB_EVENTS, jobId);
    }

    @Test
    void anUnregisteredNodeIsRefusedAndNothingIsRecorded() {
        TestNode stranger = new TestNode(newId("stranger"), Ed25519Keys.generate(), gateway.port());
        HttpResponse<String> refused = stranger.send("POST", GatewayApi.HEARTBEAT,
                TestNode.heartbeatBody("b", 1, new Resources(1000, 1024, 0), Map.of(), List.of()));
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("NODE_UNKNOWN");
        given().get("/api/nodes/{id}", stranger.id).then().statusCode(404);
    }

    @Test
    void aNodeCannotSpeakForAnotherNodeNorReplayItsRequests() {
        TestNode victim = ready(newId("victim"));
        TestNode forger = ready(newId("forger"));
        int victimCpu = given().get("/api/nodes/{id}", victim.id).then().extract().path("capacity.cpuMillis");

        // The forger signs a heartbeat with its own key but claims the victim's id.
        String forged = TestNode.heartbeatBody(victim.bootId, 9_999, new Resources(32_000, 1024, 0), Map.of("CT", "XX"), List.of());
        byte[] body = forged.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new HashMap<>(forger.signer.headers(TestNode.audience(), "POST", GatewayApi.HEARTBEAT, body));
        headers.put(NodeRequest.NODE_HEADER, victim.id);
        HttpResponse<String> refused = forger.sendSigned("POST", GatewayApi.HEARTBEAT, body, headers);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("SIGNATURE_INVALID");

        // A request the victim really signed, captured and sent again, is refused the second time.
        Map<String, String> genuine = victim.signer.headers(TestNode.audience(), "POST", GatewayApi.HEARTBEAT, body);
        assertThat(victim.sendSigned("POST", GatewayApi.HEARTBEAT, body, genuine).statusCode()).isEqualTo(200);
        HttpResponse<String> replayed = victim.sendSigned("POST", GatewayApi.HEARTBEAT, body, genuine);
        assertThat(replayed.statusCode()).isEqualTo(401);
        assertThat(replayed.body()).contains("NONCE_REPLAYED");

        // Signed for another installation (or for the name every installation shared before each made its own): refused.
        assertThat(TestNode.audience()).startsWith("deeploy-").isNotEqualTo("deeploy");
        for (String otherAudience : List.of("deeploy", "deeploy-" + UUID.randomUUID())) {
            Map<String, String> elsewhere = victim.signer.headers(otherAudience, "POST", GatewayApi.HEARTBEAT, body);
            assertThat(victim.sendSigned("POST", GatewayApi.HEARTBEAT, body, elsewhere).body()).contains("SIGNATURE_INVALID");
        }
        // Only the genuine heartbeat changed the registry.
        assertThat(victimCpu).isEqualTo(ROOMY.cpuMillis());
        given().get("/api/nodes/{id}", victim.id).then().body("capacity.cpuMillis", org.hamcrest.Matchers.equalTo(32_000));
    }

    @Test
    void aNodeCannotReportOnOrReadTheSecretsOfAJobNotAllocatedToIt() {
        TestNode owner = ready(newId("owner"));
        TestNode intruder = ready(newId("intruder"));
        String jobId = placeOn(owner, "victim-app");

        // Reports about another node's job, and about a job that does not exist: refused, no event.
        HttpResponse<String> started = intruder.report(jobId, 1, new AppStarted(jobId, owner.id, "victim-app", "c", "ctr",
                "127.0.0.1", 8081));
        assertThat(started.statusCode()).isEqualTo(404);
        assertThat(started.body()).contains("ALLOCATION_NOT_FOUND");
        String unknown = "job-" + UUID.randomUUID();
        assertThat(intruder.report(unknown, 1, new BuildStarted(unknown, intruder.id, "b", "c")).statusCode()).isEqualTo(404);
        // Secrets: only for an allocation desired on the asking node.
        assertThat(intruder.secrets(jobId).statusCode()).isEqualTo(404);
        assertThat(owner.secrets(unknown).statusCode()).isEqualTo(404);
        // A report about one job sent to another job's allocation is refused as well.
        assertThat(owner.report(jobId, 1, new BuildStarted(unknown, owner.id, "b", "c")).statusCode()).isEqualTo(400);
        assertThat(jobEvents(jobId)).noneMatch(e -> e.payload() instanceof AppStarted || e.payload() instanceof BuildStarted);
        assertThat(jobEvents(unknown)).isEmpty();
    }

    /**
     * A node's output reaches the platform only for a job allocated to it, named by the node's signature: the batch does
     * not say which node sent it, and what the gateway refuses is never handed on.
     */
    @Test
    void aNodeSendsTheLogsOfItsOwnAllocationsOnlyAndIsNamedByItsSignature() throws Exception {
        TestNode owner = ready(newId("logs-owner"));
        TestNode intruder = ready(newId("logs-intruder"));
        String jobId = placeOn(owner, "logs-app");
        Instant at = Instant.parse("2026-11-30T12:00:00Z");
        LogBatch batch = new LogBatch("app", "ctr-1", List.of(new LogBatch.LogLine(1, at, "GET / 200"),
                new LogBatch.LogLine(2, at, "GET /favicon.ico 404")));

        HttpResponse<String> intruded = intruder.logs(jobId, batch);
        assertThat(intruded.statusCode()).isEqualTo(404);
        assertThat(intruded.body()).contains("ALLOCATION_NOT_FOUND");
        assertThat(owner.logs(jobId, new LogBatch("secrets", "ctr-1", batch.lines())).body()).contains("source");
        HttpResponse<String> backwards = owner.logs(jobId, new LogBatch("app", "ctr-1", List.of(batch.lines().get(1),
                batch.lines().get(0))));
        assertThat(backwards.statusCode()).isEqualTo(400);
        assertThat(backwards.body()).contains("lines[1]");
        assertThat(owner.logs(jobId, new LogBatch("app", "ctr-1", List.of(new LogBatch.LogLine(1, at,
                "x".repeat(LogBatch.MAX_LINE_CHARS + 1))))).statusCode()).isEqualTo(400);
        assertThat(logsHandedOn(jobId)).isEmpty();

        HttpResponse<String> sent = owner.logs(jobId, batch);
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(202);
        JsonNode handedOn = logsHandedOn(jobId);
        assertThat(handedOn.size()).isEqualTo(1);
        assertThat(handedOn.get(0).path("nodeId").asText()).isEqualTo(owner.id);
        assertThat(handedOn.get(0).path("batch").path("lines").findValuesAsText("text"))
                .containsExactly("GET / 200", "GET /favicon.ico 404");
    }

    /** What the stand-in for project-svc was handed of the job's logs. */
    static JsonNode logsHandedOn(String jobId) throws Exception {
        String standIn = org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("deeploy.test.project-url",
                String.class);
        HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(standIn + "/stand-in/jobs/" + jobId + "/logs")).GET().build(), HttpResponse.BodyHandlers.ofString());
        return EventCodec.mapper().readTree(response.body());
    }

    @Test
    void whatAReportSaysOfWhoAndWhereIsThePlatformsNotTheNodes() {
        TestNode node = ready(newId("honest"));
        String jobId = placeOn(node, "my-alias");
        // The node claims another node's id, another host (the platform's own API), another tenant's alias, and a
        // revision of the job's spec never allocated to it (the job would show a version that never ran).
        HttpResponse<String> accepted = node.report(jobId, 1, new AppStarted(jobId, "someone-else", "another-tenants-alias", "c1",
                "ctr", "127.0.0.1", 31001, 99));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        AppStarted published = await().atMost(Duration.ofSeconds(20)).until(() -> jobEvents(jobId).stream()
                .map(Event::payload).filter(AppStarted.class::isInstance).map(AppStarted.class::cast).findFirst(),
                java.util.Optional::isPresent).orElseThrow();
        assertThat(published.nodeId()).isEqualTo(node.id);
        assertThat(published.host()).isEqualTo("10.77.0.2");
        assertThat(published.alias()).isEqualTo("my-alias");
        assertThat(published.port()).isEqualTo(31001);
        assertThat(published.revision()).as("capped at the allocated spec's revision").isZero();

        // The same report sent again (a retry after a crash) is applied once.
        StatusReport report = StatusReport.of(UUID.randomUUID(), 1, new BuildStarted(jobId, node.id, "b1", "c2"));
        assertThat(node.report(jobId, report).statusCode()).isEqualTo(200);
        assertThat(node.report(jobId, report).body()).contains("\"applied\":false");
        await().atMost(Duration.ofSeconds(20)).until(() -> jobEvents(jobId).stream().anyMatch(e -> e.payload() instanceof BuildStarted));
        assertThat(jobEvents(jobId).stream().filter(e -> e.payload() instanceof BuildStarted)).hasSize(1);
        kafka.publish(Event.of(new JobStopRequested(jobId, "owner")));
    }

    @Test
    void theLongPollWakesOnANewAllocationAndAStopIsConfirmedOnce() throws Exception {
        // Room for this test's job only: jobs of other tests failing over from their lost nodes would wake the poll too.
        TestNode node = ready(newId("poller"), new Resources(150, 100, 0));
        DesiredAllocations empty = node.allocations(-1, 0);
        assertThat(empty.allocations()).isEmpty();

        CompletableFuture<DesiredAllocations> waiting = CompletableFuture.supplyAsync(() -> node.allocations(empty.index(), 30));
        Thread.sleep(1000);
        assertThat(waiting).isNotDone();
        String jobId = "job-" + UUID.randomUUID();
        long requested = System.nanoTime();
        kafka.publish(Event.of(new JobRequested(jobId, "prj", "0xowner", spec("poll-app", node.id))));
        DesiredAllocations woken = waiting.get(20, java.util.concurrent.TimeUnit.SECONDS);
        System.out.printf("gateway: long poll woken %d ms after the request was published%n", (System.nanoTime() - requested) / 1_000_000);
        assertThat(woken.index()).isGreaterThan(empty.index());
        Allocation run = woken.allocations().stream().filter(a -> a.jobId().equals(jobId)).findFirst().orElseThrow();
        assertThat(run.desired()).isEqualTo(Allocation.Desired.RUN);
        assertThat(run.spec().alias()).isEqualTo("poll-app");

        // A stop confirmed for a job still desired here is refused.
        assertThat(node.report(jobId, run.placement(), new JobStopped(jobId, node.id, "no")).statusCode()).isEqualTo(409);

        kafka.publish(Event.of(new JobStopRequested(jobId, "owner")));
        Allocation stop = await().atMost(Duration.ofSeconds(20)).until(() -> node.allocations(-1, 0).allocations().stream()
                .filter(a -> a.jobId().equals(jobId)).findFirst().orElse(null), a -> a != null && a.desired() == Allocation.Desired.STOP);
        // Now the app is to stop: an AppStarted for it changes nothing.
        assertThat(node.report(jobId, stop.placement(), new AppStarted(jobId, node.id, "x", "c", "ctr", "h", 1)).statusCode())
                .isEqualTo(409);
        StatusReport confirmation = StatusReport.of(UUID.randomUUID(), stop.placement(), new JobStopped(jobId, node.id, "stopped"));
        assertThat(node.report(jobId, confirmation).statusCode()).isEqualTo(200);
        assertThat(node.report(jobId, StatusReport.of(UUID.randomUUID(), stop.placement(), new JobStopped(jobId, node.id, "again")))
                .body()).contains("\"applied\":true");
        await().atMost(Duration.ofSeconds(20)).until(() -> jobEvents(jobId).stream().anyMatch(e -> e.payload() instanceof JobStopped));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> jobEvents(jobId).stream()
                .filter(e -> e.payload() instanceof JobStopped).count() == 1);
        JobStopped stopped = (JobStopped) jobEvents(jobId).stream().filter(e -> e.payload() instanceof JobStopped).findFirst()
                .orElseThrow().payload();
        assertThat(stopped.nodeId()).isEqualTo(node.id);
        // Confirmed: the node no longer sees the job.
        assertThat(node.allocations(-1, 0).allocations()).noneMatch(a -> a.jobId().equals(jobId));
    }

    @Test
    void aBlacklistedNodeIsRefusedAndItsJobsMoveAwayWhileASuspendedOneGetsNoPlacements() {
        String pool = "pool-" + UUID.randomUUID().toString().substring(0, 8);
        TestNode bad = TestNode.register(kafka, gateway.port(), newId("bad"), "10.77.0.3");
        TestNode good = TestNode.register(kafka, gateway.port(), newId("good"), "10.77.0.4");
        java.util.concurrent.ScheduledExecutorService beats = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        beats.scheduleAtFixedRate(() -> {
            bad.heartbeat(new Resources(1000, 1024, 0), Map.of("POOL", pool), List.of());
            good.heartbeat(new Resources(1000, 1024, 0), Map.of("POOL", pool), List.of());
        }, 0, 1, java.util.concurrent.TimeUnit.SECONDS);
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/nodes/{id}", bad.id).statusCode() == 200
                    && given().get("/api/nodes/{id}", good.id).statusCode() == 200);
            String jobId = "job-" + UUID.randomUUID();
            JobSpec pinned = spec("bl-app", bad.id);
            JobSpec anywhere = new JobSpec(pinned.kind(), pinned.alias(), pinned.image(), null, List.of(), Map.of(), List.of(), 80,
                    pinned.resources(), "always", null, List.of(), 1, List.of("POOL:" + pool), 30, null, null, null, null);
            // Suspended: no new placement on it.
            kafka.publish(Event.of(new NodeStatusChanged(good.id, NodeStatus.SUSPENDED, "maintenance", "0xadmin")));
            await().atMost(Duration.ofSeconds(20)).until(() -> "SUSPENDED".equals(given().get("/api/nodes/{id}", good.id).then()
                    .extract().path("status")));
            kafka.publish(Event.of(new JobRequested(jobId, "prj", "0xowner", anywhere)));
            await().atMost(Duration.ofSeconds(20)).until(() -> jobEvents(jobId).stream().anyMatch(e -> e.payload() instanceof NodeSelected));
            NodeSelected first = (NodeSelected) jobEvents(jobId).stream().filter(e -> e.payload() instanceof NodeSelected).findFirst()
                    .orElseThrow().payload();
            assertThat(first.nodeIds()).containsExactly(bad.id);

            // Blacklisted: refused at the gateway, and its job moves to the node back in service.
            kafka.publish(Event.of(new NodeStatusChanged(good.id, NodeStatus.ACTIVE, "back", "0xadmin")));
            kafka.publish(Event.of(new NodeStatusChanged(bad.id, NodeStatus.BLACKLISTED, "abuse", "0xadmin")));
            await().atMost(Duration.ofSeconds(30)).until(() -> bad.heartbeat(new Resources(1000, 1024, 0), Map.of(), List.of()) == 403);
            await().atMost(Duration.ofSeconds(30)).until(() -> jobEvents(jobId).stream().filter(e -> e.payload() instanceof NodeSelected)
                    .count() == 2);
            NodeSelected moved = (NodeSelected) jobEvents(jobId).stream().filter(e -> e.payload() instanceof NodeSelected)
                    .reduce((a, b) -> b).orElseThrow().payload();
            assertThat(moved.nodeIds()).containsExactly(good.id);
            assertThat(moved.reason()).contains("failover", bad.id, "blacklisted");
            // The blacklisted node cannot confirm its stop: the scheduler announces it, so the job's route and state move on.
            await().atMost(Duration.ofSeconds(30)).until(() -> jobEvents(jobId).stream().anyMatch(e -> e.payload() instanceof JobStopped
                    stopped && bad.id.equals(stopped.nodeId())));
            kafka.publish(Event.of(new JobStopRequested(jobId, "owner")));
        } finally {
            beats.shutdownNow();
        }
    }

    @Test
    void theGatewayListenerServesTheGatewayOnly() throws Exception {
        HttpResponse<String> internal = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                + "/api/nodes")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(internal.statusCode()).isEqualTo(404);
        HttpResponse<String> metrics = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(404);
        HttpResponse<String> platform = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                + GatewayApi.PLATFORM)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(platform.statusCode()).isEqualTo(200);
        assertThat(EventCodec.mapper().readTree(platform.body()).path("logGrantKey").asText())
                .isEqualTo(ProjectStandInResource.LOG_GRANT_KEY);
        assertThat(EventCodec.mapper().readTree(platform.body()).path("audience").asText()).isEqualTo(TestNode.audience());
    }
}
