package io.deeploy.project;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.deeploy.events.EventCodec;
import io.deeploy.events.Topics;
import io.deeploy.outbox.testing.KafkaEvents;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * project-svc on a broker that goes away and comes back (Testcontainers, local image): the API keeps accepting jobs,
 * readiness names Kafka as the broken part, events committed meanwhile wait in the outbox and are delivered exactly
 * once after the broker returns.
 */
@QuarkusTest
@TestProfile(BrokerOutageIT.OwnBroker.class)
class BrokerOutageIT {

    public static class OwnBroker implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaBrokerResource.class));
        }
    }

    @Inject
    Pool pool;

    @Test
    void eventsCommittedWhileTheBrokerIsDownAreDeliveredOnceItReturns() {
        io.deeploy.signing.DeeployWallet owner = io.deeploy.signing.DeeployWallet.create();
        String projectId = JobApiIT.newProject(owner);
        try (KafkaEvents kafka = new KafkaEvents(KafkaBrokerResource.client())) {
            String before = createJob(owner, projectId);
            await().atMost(Duration.ofSeconds(30)).until(() -> records(kafka, before).size() == 1);

            KafkaBrokerResource.stopBroker();
            String during = createJob(owner, projectId);
            // The outbox keeps the event and counts failed attempts; readiness names the missing part.
            await().atMost(Duration.ofSeconds(60)).until(() -> outboxRow(during).getInteger("attempts") >= 1);
            assertThat(outboxRow(during).getOffsetDateTime("published_at")).isNull();
            await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/q/health/ready").statusCode() == 503);
            given().get("/q/health/ready").then()
                    .body("checks.find { it.name == 'Kafka broker' }.status", equalTo("DOWN"));

            KafkaBrokerResource.startBroker();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> outboxRow(during).getOffsetDateTime("published_at") != null);
            List<ConsumerRecord<String, String>> delivered = records(kafka, during);
            assertThat(delivered).hasSize(1);
            assertThat(EventCodec.decode(delivered.get(0).value()).id()).isEqualTo(outboxRow(during).getUUID("id"));
            assertThat(records(kafka, before)).hasSize(1);
            await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/q/health/ready").statusCode() == 200);
        }
    }

    private static String createJob(io.deeploy.signing.DeeployWallet owner, String projectId) {
        return JobApiIT.postJob(owner, projectId, JobApiIT.warJob("o" + UUID.randomUUID().toString().substring(0, 8)),
                UUID.randomUUID().toString()).statusCode(201).extract().path("id");
    }

    private static List<ConsumerRecord<String, String>> records(KafkaEvents kafka, String jobId) {
        return kafka.records(Topics.JOB_COMMANDS, r -> jobId.equals(r.key()));
    }

    private Row outboxRow(String jobId) {
        return pool.preparedQuery("SELECT id, attempts, published_at FROM outbox_event WHERE event_key = $1")
                .execute(Tuple.of(jobId)).await().atMost(Duration.ofSeconds(5)).iterator().next();
    }
}
