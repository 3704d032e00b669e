package io.deeploy.scheduler;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.deeploy.events.Event;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.NodeHeartbeat;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.Resources;
import io.deeploy.outbox.testing.KafkaEvents;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** Registry and placement against the real Kafka and PostgreSQL of the test instance. */
@QuarkusTest
class SchedulerIT {

    static KafkaEvents kafka;

    @Inject
    Pool pool;

    @BeforeAll
    static void connect() {
        kafka = KafkaEvents.fromEnvironment();
    }

    /**
     * Jobs that other modules' tests requested are on the shared topic: let the scheduler consume them, then release
     * them, so that they cannot take the capacity this test's nodes offer.
     */
    @BeforeEach
    void cleanSlate() {
        kafka.awaitConsumed("scheduler-svc", Topics.JOB_EVENTS, Duration.ofSeconds(60));
        pool.query("UPDATE placement SET state = 'RELEASED' WHERE state <> 'RELEASED'").execute()
                .await().atMost(Duration.ofSeconds(5));
    }

    @AfterAll
    static void close() {
        kafka.close();
    }

    static String newId(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    static void heartbeat(String nodeId, String bootId, long sequence, long cpu, long memory) {
        kafka.publish(Event.of(new NodeHeartbeat(nodeId, bootId, sequence, "127.0.0.1", new Resources(cpu, memory, 0),
                new Resources(cpu, memory, 0), Map.of("CT", "FR"), List.of(), "it")));
    }

    static JobSpec spec(long cpu, long memory, List<String> targets) {
        return new JobSpec(JobKind.CAR, "a", "local/debian:bookworm", null, List.of(), Map.of(), List.of(), 80,
                new Resources(cpu, memory, 0), "always", null, targets, Math.max(1, targets.size()), List.of(), 30, null, null);
    }

    static List<NodeSelected> selections(String jobId) {
        return kafka.eventsWithKey(Topics.JOB_EVENTS, jobId).stream().filter(e -> e.payload() instanceof NodeSelected)
                .map(e -> (NodeSelected) e.payload()).toList();
    }

    @Test
    void heartbeatsRegisterANodeAndStaleOnesAreIgnored() {
        String nodeId = newId("node");
        heartbeat(nodeId, "boot-1", 2, 2000, 4096);
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/nodes/{id}", nodeId).statusCode() == 200);
        heartbeat(nodeId, "boot-1", 1, 8000, 4096);
        heartbeat(nodeId, "boot-1", 3, 3000, 4096);
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/nodes/{id}", nodeId).then()
                .extract().<Integer>path("capacity.cpuMillis") == 3000);
        given().get("/api/nodes/{id}", nodeId).then().body("state", equalTo("READY")).body("tags.CT", equalTo("FR"));
        given().get("/api/nodes/{id}", "node-that-never-beat").then().statusCode(404).body("code", equalTo("NOT_FOUND"));
    }

    @Test
    void aRequestedJobIsPlacedOnceEvenWhenTheRequestIsRedelivered() {
        String nodeId = newId("node");
        heartbeat(nodeId, "boot-1", 1, 2000, 4096);
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/nodes/{id}", nodeId).statusCode() == 200);

        String jobId = newId("job");
        Event<JobRequested> request = Event.of(new JobRequested(jobId, "prj", "owner", spec(1000, 512, List.of(nodeId))));
        kafka.publish(request);
        kafka.publish(request);
        await().atMost(Duration.ofSeconds(20)).until(() -> !selections(jobId).isEmpty());
        NodeSelected selected = selections(jobId).get(0);
        assertThat(selected.nodeIds()).containsExactly(nodeId);
        assertThat(selected.placement()).isEqualTo(1);
        given().get("/api/placements/{id}", jobId).then().body("state", equalTo("PLACED"));

        // The node has 2000m; a second 1500m job on it must wait rather than oversubscribe.
        String second = newId("job");
        kafka.publish(Event.of(new JobRequested(second, "prj", "owner", spec(1500, 512, List.of(nodeId)))));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/placements/{id}", second).statusCode() == 200);
        given().get("/api/placements/{id}", second).then().body("state", equalTo("WAITING"));

        // Stopping the first frees its reservation and the waiting job is placed by the next sweep.
        kafka.publish(Event.of(new JobStopRequested(jobId, "owner")));
        await().atMost(Duration.ofSeconds(30)).until(() -> !selections(second).isEmpty());
        assertThat(selections(jobId)).hasSize(1);
        given().get("/api/placements/{id}", jobId).then().body("state", equalTo("RELEASED"));
    }

    @Test
    void stoppingAJobThatNeverGotANodeConfirmsTheStop() {
        String jobId = newId("job");
        kafka.publish(Event.of(new JobRequested(jobId, "prj", "owner", spec(1000, 512, List.of("absent-node")))));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/placements/{id}", jobId).statusCode() == 200);
        kafka.publish(Event.of(new JobStopRequested(jobId, "owner")));
        await().atMost(Duration.ofSeconds(20)).until(() -> kafka.eventsWithKey(Topics.JOB_EVENTS, jobId).stream()
                .anyMatch(e -> e.payload() instanceof JobStopped stopped && stopped.nodeId() == null));
        assertThat(selections(jobId)).isEmpty();
    }
}
