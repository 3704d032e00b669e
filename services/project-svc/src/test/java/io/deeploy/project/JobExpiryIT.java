package io.deeploy.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.deeploy.events.Event;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.JobExpiring;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.signing.DeeployWallet;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Unpaid mode with one-second epochs: a job's {@code durationEpochs} count from its first start; it is warned
 * (JobExpiring, {@code expiringSoon}) before its end and stopped at it, as an owner's stop does.
 */
@QuarkusTest
@TestProfile(JobExpiryIT.ShortEpochs.class)
class JobExpiryIT {

    public static class ShortEpochs implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("deeploy.billing.unpaid-epoch-length", "1s", "deeploy.billing.expiry-warning", "8s");
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

    /** Creates a job lasting {@code epochs} epochs and reports it serving; returns its id and the start's time. */
    static Map.Entry<String, Instant> startedJob(DeeployWallet owner, int epochs) {
        String alias = "exp-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> body = new HashMap<>(JobApiIT.warJob(alias));
        body.put("durationEpochs", epochs);
        String jobId = JobApiIT.postJob(owner, JobApiIT.newProject(owner), body, UUID.randomUUID().toString()).statusCode(201)
                .extract().path("id");
        SignedApi.get(owner, "/api/jobs/" + jobId).then().body("paidUntil", equalTo(null)).body("secondsLeft", equalTo(null))
                .body("expiringSoon", equalTo(false));
        JobSpec spec = await().atMost(Duration.ofSeconds(20)).until(() -> kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId),
                events -> !events.isEmpty()).stream().map(Event::payload).filter(JobRequested.class::isInstance)
                .map(p -> ((JobRequested) p).spec()).findFirst().orElseThrow();
        kafka.publish(Event.of(new NodeSelected(jobId, List.of("node-a"), List.of(), 1, "fits", spec)));
        Event<AppStarted> started = Event.of(new AppStarted(jobId, "node-a", alias, "c1", "ctr", "127.0.0.1", 32000));
        kafka.publish(started);
        JobApiIT.awaitState(owner, jobId, "RUNNING");
        return Map.entry(jobId, started.time());
    }

    static List<JobExpiring> expiring(String jobId) {
        return kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId).stream().map(Event::payload)
                .filter(JobExpiring.class::isInstance).map(JobExpiring.class::cast).toList();
    }

    static List<JobStopRequested> stops(String jobId) {
        return kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId).stream().map(Event::payload)
                .filter(JobStopRequested.class::isInstance).map(JobStopRequested.class::cast).toList();
    }

    static Instant paidUntil(DeeployWallet owner, String jobId) {
        return Instant.parse(SignedApi.get(owner, "/api/jobs/" + jobId).then().extract().<String>path("paidUntil"));
    }

    @Test
    void aJobIsWarnedBeforeItsDurationEndsAndStoppedAtItsEnd() {
        DeeployWallet owner = DeeployWallet.create();
        Map.Entry<String, Instant> job = startedJob(owner, 20);
        String jobId = job.getKey();
        Instant end = job.getValue().plusSeconds(20).truncatedTo(ChronoUnit.MILLIS);
        assertThat(paidUntil(owner, jobId)).isEqualTo(end);
        int secondsLeft = SignedApi.get(owner, "/api/jobs/" + jobId).then().extract().path("secondsLeft");
        assertThat(secondsLeft).isBetween(0, 20);

        // A later start (a redeploy, a restart) does not move the end: the duration counts from the first.
        kafka.publish(Event.of(new AppStarted(jobId, "node-a", "x", "c2", "ctr2", "127.0.0.1", 32001)));
        kafka.awaitConsumed("project-svc", Topics.JOB_EVENTS, Duration.ofSeconds(30));
        assertThat(paidUntil(owner, jobId)).isEqualTo(end);

        // Eight seconds before the end: warned, once, and still running.
        await().atMost(Duration.ofSeconds(30)).until(() -> SignedApi.get(owner, "/api/jobs/" + jobId).then().extract()
                .<Boolean>path("expiringSoon"));
        assertThat(Instant.now()).isAfter(end.minusSeconds(9));
        await().atMost(Duration.ofSeconds(20)).until(() -> expiring(jobId).size() == 1);
        assertThat(expiring(jobId)).containsExactly(new JobExpiring(jobId, end));
        assertThat(stops(jobId)).isEmpty();

        // At the end: stopped, as an owner's stop does, and said why.
        JobApiIT.awaitState(owner, jobId, "STOPPING");
        assertThat(Instant.now()).isAfterOrEqualTo(end);
        await().atMost(Duration.ofSeconds(20)).until(() -> stops(jobId).size() == 1);
        assertThat(stops(jobId).get(0).reason()).contains("expired").contains(end.toString());
        List<String> reasons = SignedApi.get(owner, "/api/jobs/" + jobId).then().body("secondsLeft", equalTo(null))
                .extract().path("history.reason");
        assertThat(reasons.get(reasons.size() - 1)).startsWith("expired: its paid time ended at " + end);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6))
                .until(() -> stops(jobId).size() == 1 && expiring(jobId).size() == 1);
    }

    @Test
    void aJobItsOwnerStoppedBeforeItsEndIsNotStoppedAgain() {
        DeeployWallet owner = DeeployWallet.create();
        Map.Entry<String, Instant> job = startedJob(owner, 8);
        String jobId = job.getKey();
        SignedApi.post(owner, "/api/jobs/" + jobId + "/stop", null, null).then().statusCode(202)
                .body("state", equalTo("STOPPING")).body("secondsLeft", equalTo(null));
        await().atMost(Duration.ofSeconds(20)).until(() -> stops(jobId).size() == 1);
        // Past its end, and past a few expiry checks: the owner's stop is the only one.
        await().atMost(Duration.ofSeconds(20)).until(() -> Instant.now().isAfter(job.getValue().plusSeconds(11)));
        assertThat(stops(jobId)).hasSize(1);
        assertThat(stops(jobId).get(0).reason()).startsWith("stopped by");
    }

    /**
     * Extending adds epochs to the end, once per Idempotency-Key, for the owner or a delegate with the extend permission;
     * bad input changes nothing and says which field.
     */
    @Test
    void extendingMovesTheEndOncePerKey() {
        DeeployWallet owner = DeeployWallet.create();
        Map.Entry<String, Instant> job = startedJob(owner, 30);
        String jobId = job.getKey();
        Instant end = paidUntil(owner, jobId);
        String extend = "/api/jobs/" + jobId + "/extend";

        SignedApi.post(owner, extend, Map.of("epochs", 5), null).then().statusCode(400)
                .body("code", equalTo("IDEMPOTENCY_KEY_REQUIRED"));
        SignedApi.post(owner, extend, Map.of("epochs", 0), UUID.randomUUID().toString()).then().statusCode(400)
                .body("code", equalTo("INVALID_FIELD")).body("field", equalTo("epochs"));
        SignedApi.post(owner, extend, Map.of("epochs", 3651), UUID.randomUUID().toString()).then().statusCode(400)
                .body("field", equalTo("epochs"));
        SignedApi.post(DeeployWallet.create(), extend, Map.of("epochs", 5), UUID.randomUUID().toString()).then()
                .statusCode(404).body("code", equalTo("JOB_NOT_FOUND"));
        DeeployWallet redeemer = DeeployWallet.create();
        SignedApi.put(owner, "/api/delegates/" + redeemer.address(), Map.of("permissions", List.of("redeem"))).then()
                .statusCode(200);
        SignedApi.post(redeemer, extend, Map.of("epochs", 5), UUID.randomUUID().toString()).then().statusCode(403)
                .body("code", equalTo("PERMISSION_DENIED"));
        assertThat(paidUntil(owner, jobId)).isEqualTo(end);

        String key = UUID.randomUUID().toString();
        SignedApi.post(owner, extend, Map.of("epochs", 5), key).then().statusCode(200)
                .body("paidUntil", equalTo(end.plusSeconds(5).toString()));
        // The same request again (a retry) extends nothing more; the same key for another request is refused.
        SignedApi.post(owner, extend, Map.of("epochs", 5), key).then().statusCode(200)
                .body("paidUntil", equalTo(end.plusSeconds(5).toString()));
        SignedApi.post(owner, extend, Map.of("epochs", 7), key).then().statusCode(422)
                .body("code", equalTo("IDEMPOTENCY_KEY_REUSED"));
        DeeployWallet extender = DeeployWallet.create();
        SignedApi.put(owner, "/api/delegates/" + extender.address(), Map.of("permissions", List.of("extend"))).then()
                .statusCode(200);
        SignedApi.post(extender, extend, Map.of("epochs", 2), UUID.randomUUID().toString()).then().statusCode(200)
                .body("paidUntil", equalTo(end.plusSeconds(7).toString()));

        SignedApi.post(owner, "/api/jobs/" + jobId + "/stop", null, null).then().statusCode(202);
        SignedApi.post(owner, extend, Map.of("epochs", 5), UUID.randomUUID().toString()).then().statusCode(409)
                .body("code", equalTo("JOB_STOPPED"));
        assertThat(paidUntil(owner, jobId)).isEqualTo(end.plusSeconds(7));
    }
}
