package io.deeploy.tunnel;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.deeploy.events.Event;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.outbox.testing.KafkaEvents;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Route table against the real Kafka and PostgreSQL of the test instance. */
@QuarkusTest
class RoutesIT {

    static KafkaEvents kafka;

    @BeforeAll
    static void connect() {
        kafka = KafkaEvents.fromEnvironment();
    }

    @AfterAll
    static void close() {
        kafka.close();
    }

    static List<String> targets(String alias) {
        return given().get("/api/routes/{alias}", alias).then().statusCode(200).extract().path("target");
    }

    @Test
    void aRouteFollowsItsAppThroughRedeployAndStop() {
        String jobId = "job-" + UUID.randomUUID();
        String alias = "a" + UUID.randomUUID().toString().substring(0, 8);
        Event<AppStarted> v1 = Event.of(new AppStarted(jobId, "n1", alias, "c1", "ctr1", "127.0.0.1", 31001));
        kafka.publish(v1);
        await().atMost(Duration.ofSeconds(20)).until(() -> targets(alias).equals(List.of("127.0.0.1:31001")));
        given().get("/api/routes/{alias}", alias).then()
                .body("url[0]", equalTo("http://" + alias + ".apps.localhost:8080/")).body("commit[0]", equalTo("c1"));

        // The redeployed version serves on another port; the old event redelivered must not switch back.
        kafka.publish(Event.of(new AppStarted(jobId, "n1", alias, "c2", "ctr2", "127.0.0.1", 31002)));
        kafka.publish(v1);
        await().atMost(Duration.ofSeconds(20)).until(() -> targets(alias).equals(List.of("127.0.0.1:31002")));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> targets(alias).equals(List.of("127.0.0.1:31002")));

        kafka.publish(Event.of(new JobStopped(jobId, "n1", "owner")));
        await().atMost(Duration.ofSeconds(20)).until(() -> targets(alias).isEmpty());
    }
}
