package io.deeploy.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.deeploy.events.Event;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobSpecChanged;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.signing.DeeployWallet;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Edit, restart, redeploy, rollback and resume of a live job: each a new revision of its spec, stored with its history
 * and announced once (JobSpecChanged) per Idempotency-Key; bad edits and rollbacks to what never served change nothing.
 */
@QuarkusTest
class JobLifecycleIT {

    static KafkaEvents kafka;

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

    /** A WAR job placed on node-a and serving commit c1 (revision 0), told so on {@code kafka}; returns its id. */
    static String runningJob(KafkaEvents kafka, DeeployWallet owner) {
        String alias = "life-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> body = new HashMap<>(JobApiIT.warJob(alias));
        body.put("env", Map.of("MODE", "v1"));
        String jobId = JobApiIT.postJob(owner, JobApiIT.newProject(owner), body, UUID.randomUUID().toString()).statusCode(201)
                .extract().path("id");
        JobSpec spec = await().atMost(Duration.ofSeconds(20)).until(() -> kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId),
                events -> !events.isEmpty()).stream().map(Event::payload).filter(JobRequested.class::isInstance)
                .map(p -> ((JobRequested) p).spec()).findFirst().orElseThrow();
        assertThat(spec.revision()).isZero();
        kafka.publish(Event.of(new NodeSelected(jobId, List.of("node-a"), List.of(), 1, "fits", spec)));
        kafka.publish(Event.of(new AppStarted(jobId, "node-a", alias, "c1", "ctr1", "127.0.0.1", 32000, 0)));
        JobApiIT.awaitState(owner, jobId, "RUNNING");
        return jobId;
    }

    static List<JobSpecChanged> revisions(String jobId) {
        return kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId).stream().map(Event::payload)
                .filter(JobSpecChanged.class::isInstance).map(JobSpecChanged.class::cast).toList();
    }

    static long revisionOf(DeeployWallet owner, String jobId) {
        return SignedApi.get(owner, "/api/jobs/" + jobId).then().statusCode(200).extract().<Integer>path("spec.revision");
    }

    @Test
    void anEditIsOneNewRevisionCheckedAsAtCreationAndItsSecretsStayOutOfSight() {
        DeeployWallet owner = DeeployWallet.create();
        String jobId = runningJob(kafka, owner);
        String path = "/api/jobs/" + jobId;

        // Refused edits name the field and change nothing.
        SignedApi.patch(owner, path, Map.of("targetNodeCount", 2), UUID.randomUUID().toString()).then()
                .statusCode(400).body("code", equalTo("FIELD_NOT_EDITABLE")).body("field", equalTo("targetNodeCount"));
        SignedApi.patch(owner, path, Map.of("resources", Map.of("cpu", 0.05)), UUID.randomUUID().toString()).then()
                .statusCode(400).body("field", equalTo("resources.cpu"));
        SignedApi.patch(owner, path, Map.of("alias", "other-name"), UUID.randomUUID().toString()).then()
                .statusCode(400).body("code", equalTo("FIELD_NOT_EDITABLE")).body("field", equalTo("alias"));
        SignedApi.patch(owner, path, Map.of("port", 70_000), UUID.randomUUID().toString()).then()
                .statusCode(400).body("field", equalTo("port"));
        SignedApi.patch(owner, path, Map.of("colour", "red"), UUID.randomUUID().toString()).then()
                .statusCode(400).body("field", equalTo("colour"));
        SignedApi.patch(owner, path, Map.of("secretEnv", Map.of("MODE", "clash")), UUID.randomUUID().toString()).then()
                .statusCode(400).body("field", equalTo("secretEnv.MODE"));
        SignedApi.patch(owner, path, Map.of("env", Map.of("MODE", "v2")), null).then()
                .statusCode(400).body("code", equalTo("IDEMPOTENCY_KEY_REQUIRED"));
        // Another tenant cannot tell the job exists.
        SignedApi.patch(DeeployWallet.create(), path, Map.of("env", Map.of("MODE", "v2")), UUID.randomUUID().toString())
                .then().statusCode(404).body("code", equalTo("JOB_NOT_FOUND"));
        assertThat(revisionOf(owner, jobId)).isZero();
        assertThat(count("SELECT count(*) FROM job_revision WHERE job_id = $1", jobId)).isEqualTo(1);

        // A good edit, sent twice under one key: one revision, one announcement.
        String key = UUID.randomUUID().toString();
        Map<String, Object> edit = Map.of("env", Map.of("MODE", "v2"), "secretEnv", Map.of("API_TOKEN", "tok-s3cret-42"),
                "healthCheck", Map.of("mode", "http", "path", "/health"));
        for (int i = 0; i < 2; i++) {
            String answer = SignedApi.patch(owner, path, edit, key).then().statusCode(200)
                    .body("spec.revision", equalTo(1)).body("spec.env.MODE", equalTo("v2"))
                    .body("spec.secretEnvNames", equalTo(List.of("API_TOKEN"))).body("spec.healthCheck.path", equalTo("/health"))
                    .body("spec.resources.cpuMillis", equalTo(500)).body("spec.alias", equalTo(SignedApi.get(owner, path)
                            .then().extract().path("alias")))
                    .extract().asString();
            assertThat(answer).doesNotContain("tok-s3cret-42");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> revisions(jobId).size() == 1);
        JobSpecChanged changed = revisions(jobId).get(0);
        assertThat(changed.spec().revision()).isEqualTo(1);
        assertThat(changed.spec().env()).containsEntry("MODE", "v2");
        assertThat(changed.reason()).startsWith("revision 1: edited by");
        assertThat(kafka.records(Topics.JOB_COMMANDS, r -> jobId.equals(r.key())))
                .noneMatch(r -> r.value().contains("tok-s3cret-42"));
        assertThat(count("SELECT count(*) FROM job_secret WHERE job_id = $1 AND name = 'env.API_TOKEN'", jobId)).isEqualTo(1);
        // The same key with another edit is refused.
        SignedApi.patch(owner, path, Map.of("env", Map.of("MODE", "v3")), key).then().statusCode(422);
        assertThat(revisionOf(owner, jobId)).isEqualTo(1);
        // Resources: the parts given change, the others stay (unpaid mode: no job type to stay within).
        SignedApi.patch(owner, path, Map.of("resources", Map.of("memoryMb", 1024)), UUID.randomUUID().toString()).then()
                .statusCode(200).body("spec.revision", equalTo(2)).body("spec.resources.memoryMb", equalTo(1024))
                .body("spec.resources.cpuMillis", equalTo(500));
        await().atMost(Duration.ofSeconds(20)).until(() -> revisions(jobId).size() == 2);
        assertThat(revisions(jobId).get(1).spec().resources().memoryMb()).isEqualTo(1024);
    }

    @Test
    void restartRedeployRollbackAndResumeAreRevisionsAndARollbackGoesOnlyToWhatServed() {
        DeeployWallet owner = DeeployWallet.create();
        String jobId = runningJob(kafka, owner);
        String path = "/api/jobs/" + jobId;
        String alias = SignedApi.get(owner, path).then().extract().path("alias");
        // A new commit served (auto-deploy).
        kafka.publish(Event.of(new AppStarted(jobId, "node-a", alias, "c2", "ctr2", "127.0.0.1", 32001, 0)));
        await().atMost(Duration.ofSeconds(20)).until(() -> "c2".equals(SignedApi.get(owner, path).then()
                .extract().path("runningCommit")));

        SignedApi.post(owner, path + "/rollback", Map.of("commit", "c9"), UUID.randomUUID().toString()).then()
                .statusCode(404).body("code", equalTo("COMMIT_NOT_SERVED")).body("field", equalTo("commit"));
        SignedApi.post(owner, path + "/rollback", Map.of("revision", 7), UUID.randomUUID().toString()).then()
                .statusCode(404).body("code", equalTo("REVISION_NOT_FOUND")).body("field", equalTo("revision"));
        SignedApi.post(owner, path + "/rollback", Map.of(), UUID.randomUUID().toString()).then()
                .statusCode(400).body("field", equalTo("revision"));
        SignedApi.post(owner, path + "/resume", null, UUID.randomUUID().toString()).then()
                .statusCode(409).body("code", equalTo("NOT_PAUSED"));
        assertThat(revisionOf(owner, jobId)).isZero();

        SignedApi.post(owner, path + "/rollback", Map.of("commit", "c1"), UUID.randomUUID().toString()).then()
                .statusCode(200).body("spec.revision", equalTo(1)).body("spec.vcs.commit", equalTo("c1"));
        SignedApi.post(owner, path + "/resume", null, UUID.randomUUID().toString()).then()
                .statusCode(200).body("spec.revision", equalTo(2)).body("spec.vcs.commit", equalTo(null));
        SignedApi.post(owner, path + "/restart", null, UUID.randomUUID().toString()).then()
                .statusCode(200).body("spec.revision", equalTo(3));
        String redeployKey = UUID.randomUUID().toString();
        SignedApi.post(owner, path + "/redeploy", null, redeployKey).then().statusCode(200).body("spec.revision", equalTo(4));
        SignedApi.post(owner, path + "/redeploy", null, redeployKey).then().statusCode(200).body("spec.revision", equalTo(4));
        // A delegate without the create permission may read the job but not change it.
        DeeployWallet reader = DeeployWallet.create();
        SignedApi.put(owner, "/api/delegates/" + reader.address(), Map.of("permissions", List.of("extend"))).then()
                .statusCode(200);
        SignedApi.post(reader, path + "/restart", null, UUID.randomUUID().toString()).then().statusCode(403);

        await().atMost(Duration.ofSeconds(20)).until(() -> revisions(jobId).size() == 4);
        assertThat(revisions(jobId)).extracting(r -> r.spec().revision()).containsExactly(1L, 2L, 3L, 4L);
        assertThat(revisions(jobId).get(0).spec().vcs().commit()).isEqualTo("c1");
        assertThat(revisions(jobId).get(1).spec().vcs().pinned()).isFalse();
        assertThat(revisions(jobId)).extracting(JobSpecChanged::reason).allMatch(r -> r.contains(owner.address()));

        // Rolling back to revision 1 restores its spec, pin included.
        SignedApi.post(owner, path + "/rollback", Map.of("revision", 1), UUID.randomUUID().toString()).then()
                .statusCode(200).body("spec.revision", equalTo(5)).body("spec.vcs.commit", equalTo("c1"));
        kafka.publish(Event.of(new AppStarted(jobId, "node-a", alias, "c1", "ctr3", "127.0.0.1", 32002, 5)));
        await().atMost(Duration.ofSeconds(20)).until(() -> Integer.valueOf(5).equals(SignedApi.get(owner, path).then()
                .extract().path("runningRevision")));
        SignedApi.get(owner, path + "/versions").then().statusCode(200).body("revision", equalTo(5))
                .body("runningRevision", equalTo(5)).body("revisions.revision", equalTo(List.of(5, 4, 3, 2, 1, 0)))
                .body("revisions[0].firstServedAt", org.hamcrest.Matchers.notNullValue())
                .body("revisions[1].firstServedAt", equalTo(null))
                .body("served.version", org.hamcrest.Matchers.containsInAnyOrder("c1", "c2"));
        SignedApi.get(DeeployWallet.create(), path + "/versions").then().statusCode(404);

        // A stopped job takes no new revision.
        SignedApi.post(owner, path + "/stop", null, null).then().statusCode(202);
        SignedApi.post(owner, path + "/restart", null, UUID.randomUUID().toString()).then()
                .statusCode(409).body("code", equalTo("JOB_STOPPED"));
        assertThat(revisionOf(owner, jobId)).isEqualTo(5);
    }

    /**
     * Scaling: a count or the nodes named, checked as at creation, one revision per Idempotency-Key carrying the new
     * nodes; bad requests, other tenants and delegates without the nodes bit change nothing.
     */
    @Test
    void aJobIsScaledByCountOrByNameAsOneRevisionAndBadRequestsChangeNothing() {
        DeeployWallet owner = DeeployWallet.create();
        String jobId = runningJob(kafka, owner);
        String path = "/api/jobs/" + jobId + "/nodes";

        SignedApi.post(owner, path, Map.of("targetNodeCount", 0), UUID.randomUUID().toString()).then()
                .statusCode(400).body("field", equalTo("targetNodeCount"));
        SignedApi.post(owner, path, Map.of("targetNodeCount", 101), UUID.randomUUID().toString()).then()
                .statusCode(400).body("field", equalTo("targetNodeCount"));
        SignedApi.post(owner, path, Map.of("targetNodes", List.of("node-a", "node-a")), UUID.randomUUID().toString()).then()
                .statusCode(400).body("field", equalTo("targetNodes"));
        SignedApi.post(owner, path, Map.of("targetNodes", List.of("node-a", " ")), UUID.randomUUID().toString()).then()
                .statusCode(400).body("field", equalTo("targetNodes[1]"));
        SignedApi.post(owner, path, Map.of("targetNodes", List.of("node-a"), "targetNodeCount", 2),
                UUID.randomUUID().toString()).then().statusCode(400).body("field", equalTo("targetNodeCount"));
        SignedApi.post(owner, path, Map.of(), UUID.randomUUID().toString()).then()
                .statusCode(400).body("field", equalTo("targetNodeCount"));
        SignedApi.post(owner, path, Map.of("targetNodeCount", 1), UUID.randomUUID().toString()).then()
                .statusCode(409).body("code", equalTo("NODES_UNCHANGED"));
        SignedApi.post(owner, path, Map.of("targetNodeCount", 2), null).then()
                .statusCode(400).body("code", equalTo("IDEMPOTENCY_KEY_REQUIRED"));
        SignedApi.post(DeeployWallet.create(), path, Map.of("targetNodeCount", 2), UUID.randomUUID().toString()).then()
                .statusCode(404).body("code", equalTo("JOB_NOT_FOUND"));
        DeeployWallet creator = DeeployWallet.create();
        SignedApi.put(owner, "/api/delegates/" + creator.address(), Map.of("permissions", List.of("create"))).then()
                .statusCode(200);
        SignedApi.post(creator, path, Map.of("targetNodeCount", 2), UUID.randomUUID().toString()).then().statusCode(403);
        assertThat(revisionOf(owner, jobId)).isZero();

        // Three nodes, asked twice under one key: one revision, one announcement, by a delegate with the nodes bit.
        DeeployWallet scaler = DeeployWallet.create();
        SignedApi.put(owner, "/api/delegates/" + scaler.address(), Map.of("permissions", List.of("nodes"))).then()
                .statusCode(200);
        String key = UUID.randomUUID().toString();
        for (int i = 0; i < 2; i++) {
            SignedApi.post(scaler, path, Map.of("targetNodeCount", 3), key).then().statusCode(200)
                    .body("spec.revision", equalTo(1)).body("spec.targetNodeCount", equalTo(3))
                    .body("spec.targetNodes", equalTo(List.of()));
        }
        // Then named nodes: the job runs on exactly those, and from then on is scaled by naming them.
        SignedApi.post(owner, path, Map.of("targetNodes", List.of("node-a", "node-b")), UUID.randomUUID().toString()).then()
                .statusCode(200).body("spec.revision", equalTo(2)).body("spec.targetNodeCount", equalTo(2))
                .body("spec.targetNodes", equalTo(List.of("node-a", "node-b")));
        SignedApi.post(owner, path, Map.of("targetNodeCount", 1), UUID.randomUUID().toString()).then()
                .statusCode(400).body("field", equalTo("targetNodes"));
        await().atMost(Duration.ofSeconds(20)).until(() -> revisions(jobId).size() == 2);
        assertThat(revisions(jobId)).extracting(r -> r.spec().nodeCount()).containsExactly(3, 2);
        assertThat(revisions(jobId).get(0).reason()).startsWith("revision 1: scaled to 3 node(s) by")
                .contains(scaler.address());
        assertThat(revisions(jobId).get(1).spec().targetNodes()).containsExactly("node-a", "node-b");
        assertThat(count("SELECT count(*) FROM job_revision WHERE job_id = $1", jobId)).isEqualTo(3);

        // A rollback brings back what an edit changes, never the nodes: the job stays on the two it runs on (in escrow
        // mode, nodes given up are no longer paid for).
        SignedApi.post(owner, "/api/jobs/" + jobId + "/rollback", Map.of("revision", 1), UUID.randomUUID().toString())
                .then().statusCode(200).body("spec.revision", equalTo(3)).body("spec.targetNodeCount", equalTo(2))
                .body("spec.targetNodes", equalTo(List.of("node-a", "node-b")));
        await().atMost(Duration.ofSeconds(20)).until(() -> revisions(jobId).size() == 3);
        assertThat(revisions(jobId).get(2).spec().targetNodes()).containsExactly("node-a", "node-b");
    }
}
