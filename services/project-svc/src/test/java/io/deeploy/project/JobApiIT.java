package io.deeploy.project;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import io.deeploy.events.Event;
import io.deeploy.events.EventType;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.AppFailed;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.BuildStarted;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.signing.DeeployWallet;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The project API against the real PostgreSQL and Kafka of the test instance. */
@QuarkusTest
class JobApiIT {

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

    static String newProject(DeeployWallet owner) {
        return SignedApi.post(owner, "/api/projects", Map.of("name", "p " + UUID.randomUUID().toString().substring(0, 8)),
                UUID.randomUUID().toString()).then().statusCode(201).extract().path("id");
    }

    static Map<String, Object> warJob(String alias) {
        return Map.of("alias", alias, "kind", "WAR", "image", "local/python:bookworm",
                "repository", Map.of("url", "https://git.example.org/app.git", "branch", "main"),
                "commands", List.of("python3 -m http.server 8000"), "port", 8000,
                "resources", Map.of("cpu", 0.5, "memoryMb", 256));
    }

    static ValidatableResponse postJob(DeeployWallet owner, String projectId, Object body, String key) {
        return SignedApi.post(owner, "/api/projects/" + projectId + "/jobs", body, key).then();
    }

    long count(String sql, Object... params) {
        return pool.preparedQuery(sql).execute(Tuple.from(params)).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0);
    }

    @Test
    void projectCommandsAreIdempotentAndNeedAKey() {
        DeeployWallet owner = DeeployWallet.create();
        SignedApi.post(owner, "/api/projects", Map.of("name", "no key"), null)
                .then().statusCode(400).body("code", equalTo("IDEMPOTENCY_KEY_REQUIRED"));

        String key = UUID.randomUUID().toString();
        String name = "same " + key.substring(0, 8);
        String first = SignedApi.post(owner, "/api/projects", Map.of("name", name), key).then().statusCode(201).extract().path("id");
        String retried = SignedApi.post(owner, "/api/projects", Map.of("name", name), key).then().statusCode(201).extract().path("id");
        assertThat(retried).isEqualTo(first);
        SignedApi.post(owner, "/api/projects", Map.of("name", name + " other"), key)
                .then().statusCode(422).body("code", equalTo("IDEMPOTENCY_KEY_REUSED"));
        SignedApi.post(owner, "/api/projects", Map.of("name", name), UUID.randomUUID().toString())
                .then().statusCode(409).body("code", equalTo("PROJECT_NAME_TAKEN"));
        assertThat(count("SELECT count(*) FROM project WHERE name = $1", name)).isEqualTo(1);
    }

    @Test
    void badJobRequestsAreRefusedAndWriteNothing() {
        DeeployWallet owner = DeeployWallet.create();
        String projectId = newProject(owner);
        long outboxBefore = count("SELECT count(*) FROM outbox_event");

        postJob(owner, projectId, Map.of("alias", "ok-alias", "kind", "WAR", "port", 0), UUID.randomUUID().toString())
                .statusCode(400).body("code", equalTo("INVALID_FIELD")).body("field", equalTo("repository"));
        postJob(owner, projectId, "{\"alias\": ", UUID.randomUUID().toString())
                .statusCode(400).body("code", equalTo("MALFORMED_BODY"));
        postJob(owner, projectId, "{\"alias\": \"a1\", \"kind\": \"SPACESHIP\"}", UUID.randomUUID().toString())
                .statusCode(400).body("code", equalTo("MALFORMED_BODY")).body("field", equalTo("kind"));
        postJob(owner, projectId, "{\"alias\": \"a1\", \"port\": \"eighty\"}", UUID.randomUUID().toString())
                .statusCode(400).body("code", equalTo("MALFORMED_BODY")).body("field", equalTo("port"));
        postJob(owner, "prj-missing", warJob("missing-project"), UUID.randomUUID().toString())
                .statusCode(404).body("code", equalTo("PROJECT_NOT_FOUND"));
        postJob(DeeployWallet.create(), projectId, warJob("not-mine"), UUID.randomUUID().toString())
                .statusCode(404).body("code", equalTo("PROJECT_NOT_FOUND"));

        SignedApi.get(owner, "/api/projects/" + projectId + "/jobs").then().statusCode(200).body("$", hasSize(0));
        assertThat(count("SELECT count(*) FROM job WHERE project_id = $1", projectId)).isZero();
        assertThat(count("SELECT count(*) FROM outbox_event")).isEqualTo(outboxBefore);
    }

    @Test
    void aJobIsRequestedFollowedThroughItsStatusEventsAndStopped() {
        DeeployWallet owner = DeeployWallet.create();
        String projectId = newProject(owner);
        String alias = "app-" + UUID.randomUUID().toString().substring(0, 8);
        String key = UUID.randomUUID().toString();

        String jobId = postJob(owner, projectId, warJob(alias), key).statusCode(201)
                .body("state", equalTo("REQUESTED")).body("spec.resources.cpuMillis", equalTo(500))
                .extract().path("id");
        // The retried command returns the same job and announces nothing new.
        assertThat(postJob(owner, projectId, warJob(alias), key).statusCode(201).extract().<String>path("id")).isEqualTo(jobId);
        postJob(owner, projectId, warJob(alias), UUID.randomUUID().toString()).statusCode(409).body("code", equalTo("ALIAS_TAKEN"));

        List<Event<?>> requested = await().atMost(Duration.ofSeconds(20)).until(
                () -> kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId), events -> !events.isEmpty());
        assertThat(requested).hasSize(1);
        assertThat(requested.get(0).eventType()).isEqualTo(EventType.JOB_REQUESTED);
        JobRequested payload = (JobRequested) requested.get(0).payload();
        assertThat(payload.projectId()).isEqualTo(projectId);
        JobSpec spec = payload.spec();
        assertThat(spec.alias()).isEqualTo(alias);

        kafka.publish(Event.of(new NodeSelected(jobId, List.of("node-a"), List.of(), 1, "fits", spec)));
        kafka.publish(Event.of(new BuildStarted(jobId, "node-a", "b1", "c1")));
        Event<AppStarted> started = Event.of(new AppStarted(jobId, "node-a", alias, "c1", "ctr", "127.0.0.1", 32000));
        kafka.publish(started);
        awaitState(owner, jobId, "RUNNING");
        SignedApi.get(owner, "/api/jobs/" + jobId).then()
                .body("runningCommit", equalTo("c1")).body("nodes", equalTo(List.of("node-a")))
                .body("history.to", equalTo(List.of("REQUESTED", "SCHEDULED", "BUILDING", "RUNNING")));

        // A redelivered event (same id) has no second effect.
        kafka.publish(started);
        kafka.publish(Event.of(new BuildStarted(jobId, "node-a", "b2", "c2")));
        awaitState(owner, jobId, "REDEPLOYING");
        assertThat(count("SELECT count(*) FROM processed_event WHERE event_id = $1", started.id())).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM job_transition WHERE event_id = $1", started.id())).isEqualTo(1);

        SignedApi.post(DeeployWallet.create(), "/api/jobs/" + jobId + "/stop", null, null).then().statusCode(404)
                .body("code", equalTo("JOB_NOT_FOUND"));
        SignedApi.post(owner, "/api/jobs/" + jobId + "/stop", null, null).then().statusCode(202)
                .body("state", equalTo("STOPPING"));
        SignedApi.post(owner, "/api/jobs/" + jobId + "/stop", null, null).then().statusCode(202)
                .body("state", equalTo("STOPPING"));
        await().atMost(Duration.ofSeconds(20)).until(() -> kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId).stream()
                .filter(e -> e.payload() instanceof JobStopRequested).count() == 1);
        kafka.publish(Event.of(new JobStopped(jobId, "node-a", "stopped by owner")));
        awaitState(owner, jobId, "STOPPED");
        // The alias is free again once the job stopped.
        postJob(owner, projectId, warJob(alias), UUID.randomUUID().toString()).statusCode(201);
    }

    @Test
    void aProjectWithSeveralJobsIsListed() {
        DeeployWallet owner = DeeployWallet.create();
        String projectId = newProject(owner);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(postJob(owner, projectId, warJob("list-" + i + "-" + UUID.randomUUID().toString().substring(0, 8)),
                    UUID.randomUUID().toString()).statusCode(201).extract().path("id"));
        }
        List<String> listed = SignedApi.get(owner, "/api/projects/" + projectId + "/jobs").then().statusCode(200)
                .extract().path("id");
        assertThat(listed).containsExactlyInAnyOrderElementsOf(ids);
    }

    /**
     * A thousand jobs in one project (one through the API, the rest copied in SQL with their own ids, aliases and
     * creation times): listed a page at a time by following the Link header, each job once and in creation order; a
     * page's size and starting job are checked.
     */
    @Test
    void aThousandJobsAreListedPageByPage() {
        DeeployWallet owner = DeeployWallet.create();
        String projectId = newProject(owner);
        String first = postJob(owner, projectId, warJob("many-" + UUID.randomUUID().toString().substring(0, 8)),
                UUID.randomUUID().toString()).statusCode(201).extract().path("id");
        pool.preparedQuery("""
                INSERT INTO job
                SELECT (jsonb_populate_record(NULL::job, to_jsonb(src) || jsonb_build_object(
                    'id', 'job-' || gen_random_uuid(),
                    'alias', src.alias || '-' || n,
                    'created_at', src.created_at + n * interval '1 millisecond'))).*
                FROM job src, generate_series(1, 999) n WHERE src.id = $1""")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(first)).await().atMost(Duration.ofSeconds(30));

        List<String> listed = new java.util.ArrayList<>();
        List<java.time.Instant> created = new java.util.ArrayList<>();
        String page = "/api/projects/" + projectId + "/jobs?limit=300";
        int pages = 0;
        while (page != null) {
            io.restassured.response.Response answer = SignedApi.get(owner, page);
            answer.then().statusCode(200);
            listed.addAll(answer.jsonPath().getList("id", String.class));
            answer.jsonPath().getList("createdAt", String.class).forEach(at -> created.add(java.time.Instant.parse(at)));
            String link = answer.header("Link");
            page = link == null ? null : link.substring(link.indexOf('<') + 1, link.indexOf('>'));
            pages++;
        }
        assertThat(pages).isEqualTo(4);
        assertThat(listed).hasSize(1000).doesNotHaveDuplicates().first().isEqualTo(first);
        assertThat(created).isSorted();
        // Without a limit: the first hundred.
        assertThat(SignedApi.get(owner, "/api/projects/" + projectId + "/jobs").then().statusCode(200).extract()
                .jsonPath().getList("id", String.class)).containsExactlyElementsOf(listed.subList(0, 100));

        for (String limit : List.of("0", "501", "-3", "abc", "1.5")) {
            SignedApi.get(owner, "/api/projects/" + projectId + "/jobs?limit=" + limit).then().statusCode(400)
                    .body("code", equalTo("INVALID_FIELD")).body("field", equalTo("limit"));
        }
        DeeployWallet stranger = DeeployWallet.create();
        String strangersProject = newProject(stranger);
        String strangersJob = postJob(stranger, strangersProject, warJob("theirs-" + UUID.randomUUID().toString().substring(0, 8)),
                UUID.randomUUID().toString()).statusCode(201).extract().path("id");
        for (String after : List.of(strangersJob, "job-" + UUID.randomUUID(), "x")) {
            SignedApi.get(owner, "/api/projects/" + projectId + "/jobs?after=" + after).then().statusCode(400)
                    .body("field", equalTo("after"));
        }
        SignedApi.get(stranger, "/api/projects/" + projectId + "/jobs?limit=5").then().statusCode(404);
    }

    /** An owner's projects come a page at a time in creation order; a page cannot start at someone else's project. */
    @Test
    void projectsAreListedPageByPage() {
        DeeployWallet owner = DeeployWallet.create();
        List<String> created = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            created.add(newProject(owner));
        }
        List<String> listed = new java.util.ArrayList<>();
        String page = "/api/projects?limit=3";
        int pages = 0;
        while (page != null) {
            io.restassured.response.Response answer = SignedApi.get(owner, page);
            answer.then().statusCode(200);
            List<String> ids = answer.jsonPath().getList("id", String.class);
            assertThat(ids.size()).isBetween(1, 3);
            listed.addAll(ids);
            String link = answer.header("Link");
            page = link == null ? null : link.substring(link.indexOf('<') + 1, link.indexOf('>'));
            pages++;
        }
        assertThat(pages).isEqualTo(3);
        assertThat(listed).containsExactlyElementsOf(created);
        String strangers = newProject(DeeployWallet.create());
        SignedApi.get(owner, "/api/projects?after=" + strangers).then().statusCode(400).body("field", equalTo("after"));
        SignedApi.get(owner, "/api/projects?limit=0").then().statusCode(400).body("field", equalTo("limit"));
    }

    @Test
    void anAliasStaysReservedWhileItsCrashedJobWaitsToRestart() {
        DeeployWallet owner = DeeployWallet.create();
        String alias = "crash-" + UUID.randomUUID().toString().substring(0, 8);
        String jobId = postJob(owner, newProject(owner), warJob(alias), UUID.randomUUID().toString()).statusCode(201)
                .extract().path("id");
        JobRequested requested = (JobRequested) await().atMost(Duration.ofSeconds(20))
                .until(() -> kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId), events -> !events.isEmpty()).get(0).payload();
        JobSpec spec = requested.spec();
        kafka.publish(Event.of(new NodeSelected(jobId, List.of("node-c"), List.of(), 1, "fits", spec)));
        kafka.publish(Event.of(new AppStarted(jobId, "node-c", alias, "c1", "ctr", "127.0.0.1", 32001)));
        awaitState(owner, jobId, "RUNNING");
        // The app crashed; its node restarts it after a backoff. Meanwhile its URL is not up for grabs.
        kafka.publish(Event.of(new AppFailed(jobId, "node-c", "c1", "app exited with code 137", "", 1)));
        awaitState(owner, jobId, "FAILED");
        DeeployWallet stranger = DeeployWallet.create();
        String strangersProject = newProject(stranger);
        postJob(stranger, strangersProject, warJob(alias), UUID.randomUUID().toString()).statusCode(409)
                .body("code", equalTo("ALIAS_TAKEN")).body("field", equalTo("alias"));

        SignedApi.post(owner, "/api/jobs/" + jobId + "/stop", null, null).then().statusCode(202);
        kafka.publish(Event.of(new JobStopped(jobId, "node-c", "stopped by owner")));
        awaitState(owner, jobId, "STOPPED");
        postJob(stranger, strangersProject, warJob(alias), UUID.randomUUID().toString()).statusCode(201);
    }

    @Test
    void secretsAreStoredEncryptedShownToNoOneAndReadOnlyByTheNodeGateway() {
        DeeployWallet owner = DeeployWallet.create();
        String projectId = newProject(owner);
        String alias = "sec-" + UUID.randomUUID().toString().substring(0, 8);
        String token = "tok-" + UUID.randomUUID();
        String dbPassword = "pw-" + UUID.randomUUID();
        Map<String, Object> body = new java.util.HashMap<>(warJob(alias));
        body.put("repository", Map.of("url", "https://git.example.org/private.git", "username", "deployer", "token", token));
        body.put("secretEnv", Map.of("DB_PASSWORD", dbPassword));

        String created = postJob(owner, projectId, body, UUID.randomUUID().toString()).statusCode(201)
                .body("spec.vcs.credentialsRef", equalTo("vcs.token")).body("spec.secretEnvNames", equalTo(List.of("DB_PASSWORD")))
                .extract().asString();
        String jobId = io.restassured.path.json.JsonPath.from(created).getString("id");
        assertThat(created).doesNotContain(token).doesNotContain(dbPassword);
        assertThat(SignedApi.get(owner, "/api/jobs/" + jobId).asString())
                .doesNotContain(token).doesNotContain(dbPassword);
        // At rest only ciphertext, under the configured key.
        assertThat(count("SELECT count(*) FROM job_secret WHERE job_id = $1 AND key_id = 'k1'", jobId)).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM job_secret WHERE position(convert_to($1, 'UTF8') in ciphertext) > 0", token)).isZero();
        assertThat(count("SELECT count(*) FROM job WHERE spec LIKE '%' || $1 || '%'", token)).isZero();
        // Nor in the event.
        await().atMost(Duration.ofSeconds(20)).until(() -> !kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId).isEmpty());
        assertThat(kafka.records(Topics.JOB_COMMANDS, r -> jobId.equals(r.key()))).allSatisfy(r ->
                assertThat(r.value()).doesNotContain(token).doesNotContain(dbPassword));

        // Only the platform's node gateway, with the internal token no node holds, gets the values (it hands them only to
        // a node the job is allocated to). Neither a caller without it nor one with a wrong one learns anything.
        given().get("/internal/jobs/{id}/secrets", jobId).then().statusCode(401).body("code", equalTo("INTERNAL_UNAUTHORIZED"));
        given().header("Authorization", "Bearer wrong").get("/internal/jobs/{id}/secrets", jobId).then().statusCode(401)
                .body(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString(token)));
        given().header("Authorization", "Bearer test-internal-token").get("/internal/jobs/{id}/secrets", jobId).then()
                .statusCode(200).header("Cache-Control", "no-store")
                .body("secrets.'vcs.token'", equalTo(token)).body("secrets.'env.DB_PASSWORD'", equalTo(dbPassword));
        kafka.publish(Event.of(new NodeSelected(jobId, List.of("node-s"), List.of(), 1, "fits",
                ((JobRequested) kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId).get(0).payload()).spec())));
        awaitState(owner, jobId, "SCHEDULED");

        // Once the job has stopped its secrets are gone.
        SignedApi.post(owner, "/api/jobs/" + jobId + "/stop", null, null).then().statusCode(202);
        kafka.publish(Event.of(new JobStopped(jobId, "node-s", "stopped by owner")));
        awaitState(owner, jobId, "STOPPED");
        assertThat(count("SELECT count(*) FROM job_secret WHERE job_id = $1", jobId)).isZero();
        given().header("Authorization", "Bearer test-internal-token").get("/internal/jobs/{id}/secrets", jobId).then()
                .statusCode(404);
    }

    @Test
    void aBadSecretIsRefusedByNameWithoutBeingEchoed() {
        DeeployWallet owner = DeeployWallet.create();
        String projectId = newProject(owner);
        Map<String, Object> body = new java.util.HashMap<>(warJob("badsec-" + UUID.randomUUID().toString().substring(0, 8)));
        body.put("repository", Map.of("url", "https://git.example.org/p.git", "token", "bad token-value"));
        String answer = postJob(owner, projectId, body, UUID.randomUUID().toString()).statusCode(400)
                .body("field", equalTo("repository.token")).extract().asString();
        assertThat(answer).doesNotContain("token-value");
        assertThat(count("SELECT count(*) FROM job WHERE project_id = $1", projectId)).isZero();
    }

    static void awaitState(DeeployWallet owner, String jobId, String state) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> state.equals(
                SignedApi.get(owner, "/api/jobs/" + jobId).then().statusCode(200)
                        .extract().path("state")));
    }
}
