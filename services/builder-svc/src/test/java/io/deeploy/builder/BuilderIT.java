package io.deeploy.builder;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.deeploy.events.Event;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.JobKind;
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
import org.junit.jupiter.api.Test;

/** The node agent against the real Kafka, PostgreSQL and Docker engine of the test instance. */
@QuarkusTest
class BuilderIT {

    static final String NODE = "it-node";
    static KafkaEvents kafka;

    @BeforeAll
    static void connect() {
        kafka = KafkaEvents.fromEnvironment();
    }

    @AfterAll
    static void close() {
        kafka.close();
    }

    static JobSpec spec(long cpu) {
        return new JobSpec(JobKind.CAR, "a", "local/debian:bookworm", null, List.of(), Map.of(), List.of(), 80,
                new Resources(cpu, 512, 0), "always", null, List.of(), 1, List.of(), 30, null, null, null, null);
    }

    static List<JobStopped> stops(String jobId) {
        return kafka.eventsWithKey(Topics.JOB_EVENTS, jobId).stream().filter(e -> e.payload() instanceof JobStopped)
                .map(e -> (JobStopped) e.payload()).toList();
    }

    static NodeHeartbeat latestHeartbeat() {
        List<Event<?>> beats = kafka.eventsWithKey(Topics.NODE_EVENTS, NODE);
        return beats.isEmpty() ? null : (NodeHeartbeat) beats.get(beats.size() - 1).payload();
    }

    @Test
    void readinessIncludesTheDockerEngine() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.name", hasItem("Docker engine"))
                .body("checks.find { it.name == 'Docker engine' }.status", equalTo("UP"));
    }

    @Test
    void theAgentBeatsWithItsCapacityAndTags() {
        NodeHeartbeat beat = await().atMost(Duration.ofSeconds(20)).until(BuilderIT::latestHeartbeat, b -> b != null);
        assertThat(beat.capacity()).isEqualTo(new Resources(4000, 8192, 0));
        assertThat(beat.tags()).containsEntry("CT", "FR");
        assertThat(beat.bootId()).isNotBlank();
    }

    @Test
    void assignmentsFollowTheSchedulerAndAStopIsConfirmedOnce() {
        String jobId = "job-" + UUID.randomUUID();
        kafka.publish(Event.of(new NodeSelected(jobId, List.of(NODE), List.of(), 1, "it", spec(1500))));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/node").then().extract()
                .<List<String>>path("assignments.jobId").contains(jobId));
        // The heartbeat reports the reservation at once; the job counts as running only once its app serves healthily.
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            NodeHeartbeat beat = latestHeartbeat();
            return beat != null && beat.free().cpuMillis() <= 4000 - 1500;
        });

        // A stale selection (older placement) changes nothing; a stop, even redelivered, is confirmed once.
        kafka.publish(Event.of(new NodeSelected(jobId, List.of("elsewhere"), List.of(), 0, "stale", spec(1500))));
        Event<JobStopRequested> stop = Event.of(new JobStopRequested(jobId, "owner"));
        kafka.publish(stop);
        kafka.publish(stop);
        await().atMost(Duration.ofSeconds(20)).until(() -> !stops(jobId).isEmpty());
        kafka.publish(Event.of(new JobStopRequested(jobId, "owner again")));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> stops(jobId).size() == 1);
        assertThat(stops(jobId).get(0).nodeId()).isEqualTo(NODE);
        assertThat(stops(jobId).get(0).reason()).isEqualTo("owner");
    }

    @Test
    void aNewerPlacementElsewhereStopsTheJobHere() {
        String jobId = "job-" + UUID.randomUUID();
        kafka.publish(Event.of(new NodeSelected(jobId, List.of(NODE), List.of(), 1, "it", spec(500))));
        kafka.publish(Event.of(new NodeSelected(jobId, List.of("other-node"), List.of(), 2, "failover", spec(500))));
        await().atMost(Duration.ofSeconds(20)).until(() -> !stops(jobId).isEmpty());
        assertThat(stops(jobId).get(0).reason()).isEqualTo("moved to other-node");
    }
}
