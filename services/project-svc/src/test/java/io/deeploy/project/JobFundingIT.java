package io.deeploy.project;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.deeploy.events.Event;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.FundsLocked;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.signing.DeeployWallet;
import io.deeploy.project.service.JobService;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Billing mode escrow: a job is scheduled (JobRequested) only once escrow-svc reports funds on chain that cover it;
 * FundsLocked is published here as escrow-svc's chain watcher publishes it.
 */
@QuarkusTest
@TestProfile(JobFundingIT.EscrowBilling.class)
class JobFundingIT {

    public static class EscrowBilling implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("deeploy.billing.mode", "escrow");
        }
    }

    static KafkaEvents kafka;

    @BeforeAll
    static void connect() {
        kafka = KafkaEvents.fromEnvironment();
    }

    @AfterAll
    static void close() {
        kafka.close();
    }

    static long requested(String jobId) {
        return kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId).stream().filter(e -> e.payload() instanceof JobRequested).count();
    }

    @Test
    void aJobWaitsForFundsThatCoverItAndIsRequestedOnce() {
        DeeployWallet owner = DeeployWallet.create();
        String projectId = JobApiIT.newProject(owner);
        String alias = "paid-" + UUID.randomUUID().toString().substring(0, 8);
        String jobId = JobApiIT.postJob(owner, projectId, JobApiIT.warJob(alias), UUID.randomUUID().toString()).statusCode(201)
                .body("state", equalTo("AWAITING_FUNDS")).extract().path("id");
        String requestId = JobService.requestIdOf(jobId);
        assertThat(requestId).hasSize(66).startsWith("0x" + jobId.substring(4, 12)).endsWith("0".repeat(32));
        SignedApi.get(owner, "/api/jobs/" + jobId).then().body("fundingRequestId", equalTo(requestId));
        assertThat(SignedApi.get(owner, "/api/jobs/" + jobId).then().extract()
                .<String>path("history[0].reason")).contains(requestId);

        // Too little: 1 epoch for a job of 30. It keeps waiting, and says why.
        kafka.publish(Event.of(new FundsLocked(jobId, BigInteger.ONE, BigInteger.valueOf(375_000), "0xtoken", 1, 1, "0xaa")));
        await().atMost(Duration.ofSeconds(20)).until(() -> SignedApi.get(owner, "/api/jobs/" + jobId)
                .then().extract().<String>path("lastError") != null);
        SignedApi.get(owner, "/api/jobs/" + jobId).then().body("state", equalTo("AWAITING_FUNDS"));
        assertThat(requested(jobId)).isZero();

        // Enough: requested, once, even when the event is delivered again.
        Event<FundsLocked> enough = Event.of(new FundsLocked(jobId, BigInteger.TWO, BigInteger.valueOf(11_250_000), "0xtoken",
                30, 1, "0xbb"));
        kafka.publish(enough);
        kafka.publish(enough);
        JobApiIT.awaitState(owner, jobId, "REQUESTED");
        await().atMost(Duration.ofSeconds(20)).until(() -> requested(jobId) == 1);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> requested(jobId) == 1);
        assertThat(SignedApi.get(owner, "/api/jobs/" + jobId).then().extract()
                .<String>path("history[1].reason")).contains("funded").contains("chain job 2");
    }

    @Test
    void aJobStoppedBeforeItWasFundedIsStoppedAtOnce() {
        DeeployWallet owner = DeeployWallet.create();
        String projectId = JobApiIT.newProject(owner);
        String jobId = JobApiIT.postJob(owner, projectId, JobApiIT.warJob("unpaid-" + UUID.randomUUID().toString().substring(0, 8)),
                UUID.randomUUID().toString()).statusCode(201).extract().path("id");
        SignedApi.post(owner, "/api/jobs/" + jobId + "/stop", null, null).then().statusCode(202)
                .body("state", equalTo("STOPPED"));
        kafka.publish(Event.of(new FundsLocked(jobId, BigInteger.TEN, BigInteger.valueOf(11_250_000), "0xtoken", 30, 1, "0xcc")));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> requested(jobId) == 0);
    }
}
