package io.deeploy.escrow;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.NodeAvailability;
import io.deeploy.events.payload.SettlementDue;
import io.deeploy.outbox.testing.KafkaEvents;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** escrow-svc against the real anvil, Kafka and PostgreSQL of the test instance. */
@QuarkusTest
class EscrowIT {

    static KafkaEvents kafka;

    @BeforeAll
    static void connect() {
        kafka = KafkaEvents.fromEnvironment();
    }

    @AfterAll
    static void close() {
        kafka.close();
    }

    @Test
    void readinessReportsTheChain() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'EVM chain' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'EVM chain' }.data.chainId", equalTo(31337));
        given().get("/api/chain").then().statusCode(200).body("chainId", equalTo(31337))
                .body("blockNumber", greaterThanOrEqualTo(0));
    }

    @Test
    void anEpochIsRecordedOnceWhateverIsRedelivered() {
        String jobId = "job-" + UUID.randomUUID();
        Event<SettlementDue> due = Event.of(new SettlementDue(jobId, 7, List.of(new NodeAvailability("n1", 990))));
        kafka.publish(due);
        kafka.publish(due);
        // The same epoch attested again under a new event id must not open a second settlement either.
        kafka.publish(Event.of(new SettlementDue(jobId, 7, List.of(new NodeAvailability("n1", 500)))));
        kafka.publish(Event.of(new SettlementDue(jobId, 8, List.of(new NodeAvailability("n1", 1000)))));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/jobs/{id}/settlements", jobId).then()
                .extract().<List<Object>>path("$").size() == 2);
        given().get("/api/jobs/{id}/settlements", jobId).then()
                .body("epoch", equalTo(List.of(7, 8))).body("state", equalTo(List.of("PENDING", "PENDING")));
    }

    @Test
    void aBadAttestationGoesToTheDeadLetterTopicAndTheNextOneStillFlows() {
        String jobId = "job-" + UUID.randomUUID();
        Event<SettlementDue> bad = Event.of(new SettlementDue(jobId, 1, List.of(new NodeAvailability("n1", 5000))));
        kafka.publish(bad);
        kafka.publish(Event.of(new SettlementDue(jobId, 2, List.of(new NodeAvailability("n1", 1000)))));
        await().atMost(Duration.ofSeconds(30)).until(() -> !kafka.records(Topics.DEAD_LETTER,
                r -> r.value() != null && r.value().contains(bad.id().toString())).isEmpty());
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/jobs/{id}/settlements", jobId).then()
                .extract().<List<Integer>>path("epoch").equals(List.of(2)));
        var dead = kafka.records(Topics.DEAD_LETTER, r -> r.value() != null && r.value().contains(bad.id().toString()));
        assertThat(EventCodec.decode(dead.get(0).value()).id()).isEqualTo(bad.id());
        assertThat(new String(dead.get(0).headers().lastHeader("dead-letter-reason").value())).contains("not 0-1000");
    }
}
