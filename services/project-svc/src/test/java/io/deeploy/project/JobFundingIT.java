package io.deeploy.project;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.deeploy.events.Event;
import io.deeploy.events.JobIds;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.FundingAccepted;
import io.deeploy.events.payload.FundsLocked;
import io.deeploy.events.payload.JobExpiring;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpecChanged;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.PaidPeriodChanged;
import io.deeploy.events.payload.SettlementCompleted;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.signing.DeeployWallet;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Billing mode escrow: a job is scheduled (JobRequested) only once escrow-svc reports funds on chain that count for it:
 * paid by its owner (or a delegate allowed to create), for its nodes, epochs and resources. FundsLocked is published
 * here as escrow-svc's chain watcher publishes it, for any chain job that names the job.
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

    @Inject
    Pool pool;

    /** How many events of {@code type} project-svc's transactions announced for the job (its outbox rows). */
    long announced(String jobId, String type) {
        return pool.preparedQuery("SELECT count(*) FROM outbox_event WHERE event_key = $1 AND event_type = $2")
                .execute(Tuple.of(jobId, type)).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
    }

    static long requested(String jobId) {
        return kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId).stream().filter(e -> e.payload() instanceof JobRequested).count();
    }

    static java.util.List<FundingAccepted> accepted(String jobId) {
        return kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId).stream().map(Event::payload)
                .filter(FundingAccepted.class::isInstance).map(FundingAccepted.class::cast).toList();
    }

    /** An ENTRY node (1 CPU, 2 GiB: the warJob's 0.5 CPU and 256 MiB fit) for {@code epochs}, paid by {@code payer}. */
    static FundsLocked entry(String jobId, long chainJobId, long epochs, String payer, String tx) {
        return new FundsLocked(jobId, BigInteger.valueOf(chainJobId), BigInteger.valueOf(375_000 * epochs), "0xtoken", epochs, 1, tx,
                payer, 1, 1000L, 2048);
    }

    static String lastError(DeeployWallet owner, String jobId) {
        return SignedApi.get(owner, "/api/jobs/" + jobId).then().extract().path("lastError");
    }

    @Test
    void theConsoleIsServedAndLearnsHowJobsArePaidWithoutSigningIn() {
        // The console's page and its script, built by this module's build, at the API's own origin.
        String page = given().when().get("/").then().statusCode(200)
                .contentType(org.hamcrest.Matchers.containsString("text/html")).extract().asString();
        assertThat(page).contains("<title>Deeploy console</title>");
        String script = page.replaceAll("(?s).*src=\"(/assets/[^\"]+\\.js)\".*", "$1");
        assertThat(script).startsWith("/assets/");
        assertThat(given().when().get(script).then().statusCode(200).extract().asString())
                .contains("Please sign this Deeploy request:");

        // Public facts before any signature: the billing mode and the audience a signature names; the chain is unknown
        // while escrow-svc cannot be asked (none runs here), and what only escrow-svc and the scheduler know is a clear 503.
        String audience = given().when().get("/api/auth").then().statusCode(200).extract().path("audience");
        given().when().get("/api/platform").then().statusCode(200).body("billing", equalTo("escrow"))
                .body("audience", equalTo(audience)).body("chain", org.hamcrest.Matchers.nullValue());
        given().when().get("/api/platform/estimate?cpu=0.5&memoryMb=256&nodes=1&epochs=30").then().statusCode(503)
                .body("code", equalTo("ESCROW_UNAVAILABLE"));
        given().when().get("/api/platform/nodes").then().statusCode(503).body("code", equalTo("SCHEDULER_UNAVAILABLE"));
        // A tag filter is checked as a job's nodeTags is, before anything is asked.
        given().when().get("/api/platform/nodes?tag=*&tag=CT:FR||").then().statusCode(400)
                .body("field", equalTo("nodeTags[1]"));
    }

    @Test
    void aJobWaitsForFundsThatCoverItAndIsRequestedOnce() {
        DeeployWallet owner = DeeployWallet.create();
        String projectId = JobApiIT.newProject(owner);
        String alias = "paid-" + UUID.randomUUID().toString().substring(0, 8);
        String jobId = JobApiIT.postJob(owner, projectId, JobApiIT.warJob(alias), UUID.randomUUID().toString()).statusCode(201)
                .body("state", equalTo("AWAITING_FUNDS")).extract().path("id");
        String requestId = JobIds.requestIdHexOf(jobId);
        assertThat(requestId).hasSize(66).startsWith("0x" + jobId.substring(4, 12)).endsWith("0".repeat(32));
        SignedApi.get(owner, "/api/jobs/" + jobId).then().body("fundingRequestId", equalTo(requestId));
        assertThat(SignedApi.get(owner, "/api/jobs/" + jobId).then().extract()
                .<String>path("history[0].reason")).contains(requestId);

        // Too little: 1 epoch for a job of 30. It keeps waiting, and says why.
        kafka.publish(Event.of(entry(jobId, 1, 1, owner.address(), "0xaa")));
        await().atMost(Duration.ofSeconds(20)).until(() -> SignedApi.get(owner, "/api/jobs/" + jobId)
                .then().extract().<String>path("lastError") != null);
        SignedApi.get(owner, "/api/jobs/" + jobId).then().body("state", equalTo("AWAITING_FUNDS"));
        assertThat(requested(jobId)).isZero();

        // Enough: requested, once, even when the event is delivered again.
        Event<FundsLocked> enough = Event.of(entry(jobId, 2, 30, owner.address(), "0xbb"));
        kafka.publish(enough);
        kafka.publish(enough);
        JobApiIT.awaitState(owner, jobId, "REQUESTED");
        await().atMost(Duration.ofSeconds(20)).until(() -> requested(jobId) == 1);
        // Once project-svc has consumed the second delivery, its transaction wrote no second announcement (the outbox holds
        // what a transaction announced, whether or not the relay has published it yet).
        kafka.awaitConsumed("project-svc", Topics.ESCROW_EVENTS, Duration.ofSeconds(30));
        assertThat(announced(jobId, "JobRequested")).isEqualTo(1);
        assertThat(announced(jobId, "FundingAccepted")).isEqualTo(1);
        assertThat(requested(jobId)).isEqualTo(1);
        assertThat(SignedApi.get(owner, "/api/jobs/" + jobId).then().extract()
                .<String>path("history[1].reason")).contains("funded").contains("chain job 2");
        assertThat(accepted(jobId)).containsExactly(new FundingAccepted(jobId, BigInteger.TWO));
        SignedApi.get(owner, "/api/jobs/" + jobId).then().body("spend.locked", equalTo("11250000"))
                .body("spend.paid", equalTo("0")).body("spend.remaining", equalTo("11250000"));

        // Settled epochs add to the job's spend, in all and by operator, each once however often it is delivered.
        String operatorA = "0x00000000000000000000000000000000000000aa";
        String operatorB = "0x00000000000000000000000000000000000000bb";
        Event<SettlementCompleted> epoch7 = Event.of(new SettlementCompleted(jobId, 7, "0xs7", BigInteger.valueOf(300_000),
                BigInteger.valueOf(75_000), List.of(new SettlementCompleted.OperatorPayment(operatorA, BigInteger.valueOf(200_000)),
                        new SettlementCompleted.OperatorPayment(operatorB, BigInteger.valueOf(100_000)))));
        kafka.publish(epoch7);
        kafka.publish(epoch7);
        kafka.publish(Event.of(new SettlementCompleted(jobId, 8, "0xs8", BigInteger.valueOf(375_000), BigInteger.ZERO,
                List.of(new SettlementCompleted.OperatorPayment(operatorA.toUpperCase().replace("0X", "0x"),
                        BigInteger.valueOf(375_000))))));
        await().atMost(Duration.ofSeconds(20)).until(() -> SignedApi.get(owner, "/api/jobs/" + jobId).then().extract()
                .<Integer>path("spend.epochsSettled") == 2);
        kafka.awaitConsumed("project-svc", Topics.ESCROW_EVENTS, Duration.ofSeconds(30));
        SignedApi.get(owner, "/api/jobs/" + jobId).then().body("spend.chainJobId", equalTo("2"))
                .body("spend.epochsSettled", equalTo(2)).body("spend.paid", equalTo("675000"))
                .body("spend.withheld", equalTo("75000")).body("spend.remaining", equalTo("10500000"))
                .body("spend.operators.address", equalTo(List.of(operatorA, operatorB)))
                .body("spend.operators.paid", equalTo(List.of("575000", "100000")));
    }

    /**
     * The attack: a stranger, then a delegate without the create permission, lock funds under the owner's request id
     * first. Neither counts (the job says why); the owner's own funds then do, and the escrow is told to link the job
     * to the owner's chain job, not the stranger's.
     */
    @Test
    void fundsLockedByAnotherWalletDoNotCountAndTheOwnersStillDo() {
        DeeployWallet owner = DeeployWallet.create();
        DeeployWallet stranger = DeeployWallet.create();
        DeeployWallet redeemer = DeeployWallet.create();
        SignedApi.put(owner, "/api/delegates/" + redeemer.address(), Map.of("permissions", java.util.List.of("redeem")))
                .then().statusCode(200);
        String jobId = JobApiIT.postJob(owner, JobApiIT.newProject(owner), JobApiIT.warJob("own-" + UUID.randomUUID().toString()
                .substring(0, 8)), UUID.randomUUID().toString()).statusCode(201).extract().path("id");

        kafka.publish(Event.of(entry(jobId, 71, 30, stranger.address(), "0x71")));
        await().atMost(Duration.ofSeconds(20)).until(() -> String.valueOf(lastError(owner, jobId)).contains(stranger.address()));
        assertThat(lastError(owner, jobId)).contains("neither the job's owner nor a delegate allowed to create");
        kafka.publish(Event.of(entry(jobId, 72, 30, redeemer.address(), "0x72")));
        await().atMost(Duration.ofSeconds(20)).until(() -> String.valueOf(lastError(owner, jobId)).contains(redeemer.address()));
        SignedApi.get(owner, "/api/jobs/" + jobId).then().body("state", equalTo("AWAITING_FUNDS"));
        assertThat(requested(jobId)).isZero();
        assertThat(accepted(jobId)).isEmpty();

        kafka.publish(Event.of(entry(jobId, 73, 30, owner.address().toUpperCase().replace("0X", "0x"), "0x73")));
        JobApiIT.awaitState(owner, jobId, "REQUESTED");
        await().atMost(Duration.ofSeconds(20)).until(() -> requested(jobId) == 1);
        assertThat(accepted(jobId)).containsExactly(new FundingAccepted(jobId, BigInteger.valueOf(73)));
    }

    /** Funds for a job type smaller than the job (a MICRO node: 0.25 CPU, 512 MiB for a job of 0.5 CPU) do not count. */
    @Test
    void fundsForAJobTypeSmallerThanTheJobDoNotCount() {
        DeeployWallet owner = DeeployWallet.create();
        String jobId = JobApiIT.postJob(owner, JobApiIT.newProject(owner), JobApiIT.warJob("small-" + UUID.randomUUID().toString()
                .substring(0, 8)), UUID.randomUUID().toString()).statusCode(201).extract().path("id");
        kafka.publish(Event.of(new FundsLocked(jobId, BigInteger.valueOf(81), BigInteger.valueOf(3_000_000), "0xtoken", 30, 1,
                "0x81", owner.address(), 53, 250L, 512)));
        await().atMost(Duration.ofSeconds(20)).until(() -> lastError(owner, jobId) != null);
        assertThat(lastError(owner, jobId)).contains("job type 53", "250 mCPU", "500 mCPU");
        SignedApi.get(owner, "/api/jobs/" + jobId).then().body("state", equalTo("AWAITING_FUNDS"));
        assertThat(requested(jobId)).isZero();

        kafka.publish(Event.of(entry(jobId, 82, 30, owner.address(), "0x82")));
        JobApiIT.awaitState(owner, jobId, "REQUESTED");
        assertThat(accepted(jobId)).containsExactly(new FundingAccepted(jobId, BigInteger.valueOf(82)));
    }

    @Test
    void aJobStoppedBeforeItWasFundedIsStoppedAtOnce() {
        DeeployWallet owner = DeeployWallet.create();
        String projectId = JobApiIT.newProject(owner);
        String jobId = JobApiIT.postJob(owner, projectId, JobApiIT.warJob("unpaid-" + UUID.randomUUID().toString().substring(0, 8)),
                UUID.randomUUID().toString()).statusCode(201).extract().path("id");
        // Nothing to extend before it is paid for.
        SignedApi.post(owner, "/api/jobs/" + jobId + "/extend", Map.of("epochs", 5), UUID.randomUUID().toString()).then()
                .statusCode(409).body("code", equalTo("JOB_NOT_FUNDED"));
        SignedApi.post(owner, "/api/jobs/" + jobId + "/stop", null, null).then().statusCode(202)
                .body("state", equalTo("STOPPED"));
        kafka.publish(Event.of(entry(jobId, 10, 30, owner.address(), "0xcc")));
        // Only once project-svc has consumed past the late funds can "nothing requested" fail.
        kafka.awaitConsumed("project-svc", Topics.ESCROW_EVENTS, Duration.ofSeconds(30));
        assertThat(requested(jobId)).isZero();
        assertThat(accepted(jobId)).isEmpty();
        SignedApi.get(owner, "/api/jobs/" + jobId).then().body("state", equalTo("STOPPED"));
    }

    /**
     * A paid job ends with the epochs its chain job pays for: escrow-svc announces them when the chain job is activated
     * (PaidPeriodChanged) and again when it is extended, which moves the end and warns again; a period of a chain job
     * that is not the job's changes nothing. At the end the job stops, and escrow-svc closes the chain job.
     */
    @Test
    void aPaidJobStopsWhenTheEpochsItsChainJobPaysForEnd() {
        DeeployWallet owner = DeeployWallet.create();
        String jobId = JobApiIT.postJob(owner, JobApiIT.newProject(owner), JobApiIT.warJob("ends-" + UUID.randomUUID().toString()
                .substring(0, 8)), UUID.randomUUID().toString()).statusCode(201).extract().path("id");
        kafka.publish(Event.of(entry(jobId, 91, 30, owner.address(), "0x91")));
        JobApiIT.awaitState(owner, jobId, "REQUESTED");
        SignedApi.get(owner, "/api/jobs/" + jobId).then().body("paidUntil", equalTo(null));

        Instant from = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        kafka.publish(Event.of(new PaidPeriodChanged(jobId, BigInteger.valueOf(92), 1, 2, from, from.plusSeconds(1),
                BigInteger.ONE)));
        Instant activatedEnd = from.plusSeconds(10);
        kafka.publish(Event.of(new PaidPeriodChanged(jobId, BigInteger.valueOf(91), 100, 130, from, activatedEnd,
                BigInteger.valueOf(375_000 * 30))));
        await().atMost(Duration.ofSeconds(20)).until(() -> activatedEnd.toString().equals(
                SignedApi.get(owner, "/api/jobs/" + jobId).then().extract().path("paidUntil")));
        // The end is within the warning window (an hour by default): warned at once.
        await().atMost(Duration.ofSeconds(20)).until(() -> expiring(jobId).size() == 1);
        SignedApi.get(owner, "/api/jobs/" + jobId).then().body("expiringSoon", equalTo(true));

        Instant extendedEnd = from.plusSeconds(16);
        kafka.publish(Event.of(new PaidPeriodChanged(jobId, BigInteger.valueOf(91), 100, 136, from, extendedEnd,
                BigInteger.valueOf(375_000 * 36))));
        await().atMost(Duration.ofSeconds(20)).until(() -> expiring(jobId).size() == 2);
        assertThat(expiring(jobId)).containsExactly(new JobExpiring(jobId, activatedEnd), new JobExpiring(jobId, extendedEnd));
        // The extension's deposit counts in the job's spend; a stranger chain job's period moved nothing.
        SignedApi.get(owner, "/api/jobs/" + jobId).then().body("paidUntil", equalTo(extendedEnd.toString()))
                .body("state", equalTo("REQUESTED")).body("spend.locked", equalTo(String.valueOf(375_000 * 36)));

        // A paid job is extended on chain with the transactions escrow-svc gives (EscrowE2EIT signs them); without an
        // escrow-svc to ask (none in this test), a clear 503, and nothing changes. Strangers learn nothing.
        SignedApi.post(owner, "/api/jobs/" + jobId + "/extend", Map.of("epochs", 5), UUID.randomUUID().toString()).then()
                .statusCode(503).body("code", equalTo("ESCROW_UNAVAILABLE"));
        SignedApi.post(DeeployWallet.create(), "/api/jobs/" + jobId + "/extend", Map.of("epochs", 5), UUID.randomUUID().toString())
                .then().statusCode(404).body("code", equalTo("JOB_NOT_FOUND"));
        SignedApi.get(owner, "/api/jobs/" + jobId).then().body("paidUntil", equalTo(extendedEnd.toString()));

        JobApiIT.awaitState(owner, jobId, "STOPPING");
        assertThat(Instant.now()).isAfterOrEqualTo(extendedEnd);
        // The outbox publishes the stop shortly after the state changed.
        List<JobStopRequested> stops = await().atMost(Duration.ofSeconds(20)).until(() -> kafka.eventsWithKey(
                Topics.JOB_COMMANDS, jobId).stream().map(Event::payload).filter(JobStopRequested.class::isInstance)
                .map(JobStopRequested.class::cast).toList(), found -> !found.isEmpty());
        assertThat(stops).hasSize(1);
        assertThat(stops.get(0).reason()).isEqualTo("expired: its paid time ended at " + extendedEnd);
    }

    static List<JobExpiring> expiring(String jobId) {
        return kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId).stream().map(Event::payload)
                .filter(JobExpiring.class::isInstance).map(JobExpiring.class::cast).toList();
    }

    /**
     * A paid job runs on no more nodes than its chain job pays for: asking for more needs escrow-svc's purchase (a clear
     * 503 without one, and nothing changes); once the chain confirms more nodes (PaidPeriodChanged), the job grows to
     * them in one revision, whatever is redelivered; another chain job's nodes change nothing; fewer apply at once.
     */
    @Test
    void aPaidJobGrowsOnlyToTheNodesItsChainJobPaysFor() {
        DeeployWallet owner = DeeployWallet.create();
        String jobId = JobApiIT.postJob(owner, JobApiIT.newProject(owner), JobApiIT.warJob("grows-" + UUID.randomUUID()
                .toString().substring(0, 8)), UUID.randomUUID().toString()).statusCode(201).extract().path("id");
        kafka.publish(Event.of(entry(jobId, 93, 30, owner.address(), "0x93")));
        JobApiIT.awaitState(owner, jobId, "REQUESTED");
        String path = "/api/jobs/" + jobId + "/nodes";
        SignedApi.post(owner, path, Map.of("targetNodeCount", 2), UUID.randomUUID().toString()).then()
                .statusCode(503).body("code", equalTo("ESCROW_UNAVAILABLE"));
        SignedApi.post(owner, path, Map.of("targetNodeCount", 1), UUID.randomUUID().toString()).then()
                .statusCode(409).body("code", equalTo("NODES_UNCHANGED"));

        Instant from = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant end = from.plus(Duration.ofHours(2));
        kafka.publish(Event.of(new PaidPeriodChanged(jobId, BigInteger.valueOf(92), 1, 31, from, end, BigInteger.ONE, 3,
                BigInteger.ZERO)));
        Event<PaidPeriodChanged> grown = Event.of(new PaidPeriodChanged(jobId, BigInteger.valueOf(93), 1, 31, from, end,
                BigInteger.valueOf(375_000 * 59), 2, BigInteger.ZERO));
        kafka.publish(grown);
        kafka.publish(grown);
        kafka.publish(Event.of(new PaidPeriodChanged(jobId, BigInteger.valueOf(93), 1, 31, from, end,
                BigInteger.valueOf(375_000 * 59), 2, BigInteger.ZERO)));
        kafka.awaitConsumed("project-svc", Topics.ESCROW_EVENTS, Duration.ofSeconds(30));
        SignedApi.get(owner, "/api/jobs/" + jobId).then().body("spec.revision", equalTo(1))
                .body("spec.targetNodeCount", equalTo(2)).body("spend.nodes", equalTo(2))
                .body("spend.locked", equalTo(String.valueOf(375_000 * 59)));
        List<JobSpecChanged> changes = await().atMost(Duration.ofSeconds(20)).until(() -> specChanges(jobId),
                found -> !found.isEmpty());
        assertThat(changes).hasSize(1);
        assertThat(changes.get(0).spec().nodeCount()).isEqualTo(2);
        assertThat(changes.get(0).reason()).contains("paid for on chain (chain job 93)");

        // Fewer nodes than paid for apply at once: escrow-svc gives the rest up on chain and refunds them.
        SignedApi.post(owner, path, Map.of("targetNodeCount", 1), UUID.randomUUID().toString()).then()
                .statusCode(200).body("spec.revision", equalTo(2)).body("spec.targetNodeCount", equalTo(1));
        // The chain confirms it: one node paid for, and what came back to the owner is no longer remaining.
        kafka.publish(Event.of(new PaidPeriodChanged(jobId, BigInteger.valueOf(93), 1, 31, from, end,
                BigInteger.valueOf(375_000 * 59), 1, BigInteger.valueOf(375_000 * 20))));
        await().atMost(Duration.ofSeconds(20)).until(() -> Integer.valueOf(1).equals(SignedApi.get(owner, "/api/jobs/" + jobId)
                .then().extract().path("spend.nodes")));
        SignedApi.get(owner, "/api/jobs/" + jobId).then().body("spend.refunded", equalTo(String.valueOf(375_000 * 20)))
                .body("spend.remaining", equalTo(String.valueOf(375_000 * 39))).body("spec.revision", equalTo(2));
    }

    /**
     * A paid job's resources are edited only within the job type paid for (the funds' type gives 1000 mCPU and 2048 MiB
     * a node): beyond it, 400 JOB_TYPE_TOO_SMALL naming the resource and nothing changes; before its funds count, 409.
     */
    @Test
    void aPaidJobsResourcesStayWithinTheJobTypePaidFor() {
        DeeployWallet owner = DeeployWallet.create();
        String project = JobApiIT.newProject(owner);
        String waiting = JobApiIT.postJob(owner, project, JobApiIT.warJob("unpaid-" + UUID.randomUUID().toString()
                .substring(0, 8)), UUID.randomUUID().toString()).statusCode(201).extract().path("id");
        SignedApi.patch(owner, "/api/jobs/" + waiting, Map.of("resources", Map.of("cpu", 1)), UUID.randomUUID().toString())
                .then().statusCode(409).body("code", equalTo("JOB_NOT_FUNDED"));
        String jobId = JobApiIT.postJob(owner, project, JobApiIT.warJob("sized-" + UUID.randomUUID().toString()
                .substring(0, 8)), UUID.randomUUID().toString()).statusCode(201).extract().path("id");
        kafka.publish(Event.of(entry(jobId, 94, 30, owner.address(), "0x94")));
        JobApiIT.awaitState(owner, jobId, "REQUESTED");
        String path = "/api/jobs/" + jobId;
        SignedApi.patch(owner, path, Map.of("resources", Map.of("cpu", 2)), UUID.randomUUID().toString()).then()
                .statusCode(400).body("code", equalTo("JOB_TYPE_TOO_SMALL")).body("field", equalTo("resources.cpu"));
        SignedApi.patch(owner, path, Map.of("resources", Map.of("memoryMb", 4096)), UUID.randomUUID().toString()).then()
                .statusCode(400).body("code", equalTo("JOB_TYPE_TOO_SMALL")).body("field", equalTo("resources.memoryMb"));
        SignedApi.get(owner, path).then().body("spec.revision", equalTo(0));
        SignedApi.patch(owner, path, Map.of("resources", Map.of("cpu", 1, "memoryMb", 2048)), UUID.randomUUID().toString())
                .then().statusCode(200).body("spec.revision", equalTo(1)).body("spec.resources.cpuMillis", equalTo(1000))
                .body("spec.resources.memoryMb", equalTo(2048));
        assertThat(await().atMost(Duration.ofSeconds(20)).until(() -> specChanges(jobId), found -> !found.isEmpty()))
                .hasSize(1);
    }

    static List<JobSpecChanged> specChanges(String jobId) {
        return kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId).stream().map(Event::payload)
                .filter(JobSpecChanged.class::isInstance).map(JobSpecChanged.class::cast).toList();
    }
}
