package io.deeploy.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.deeploy.events.Event;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.JobSpecChanged;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.signing.DeeployWallet;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Push webhooks per job, fed each forge's documented example push (src/test/resources/webhooks) signed by that forge's
 * scheme: a push to the job's branch is one new revision per delivery, and a delivery without the secret, to another
 * branch, to a paused or another tenant's job changes nothing.
 */
@QuarkusTest
class JobWebhookIT {

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

    /** How each forge signs a delivery of {@code body} with {@code secret}. */
    enum Forge {
        GITHUB("github-push.json", "main", "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c") {
            @Override
            Map<String, String> headers(String secret, byte[] body, String delivery) {
                return Map.of("X-GitHub-Event", "push", "X-GitHub-Delivery", delivery,
                        "X-Hub-Signature-256", "sha256=" + hmac(secret, body));
            }
        },
        GITLAB("gitlab-push.json", "master", "da1560886d4f094c3e6c9ef40349f7d38b5d27d7") {
            @Override
            Map<String, String> headers(String secret, byte[] body, String delivery) {
                return Map.of("X-Gitlab-Event", "Push Hook", "X-Gitlab-Event-UUID", delivery, "X-Gitlab-Token", secret);
            }
        },
        GITEA("gitea-push.json", "develop", "bffeb74224043ba2feb48d137756c8a9331c449a") {
            @Override
            Map<String, String> headers(String secret, byte[] body, String delivery) {
                return Map.of("X-Gitea-Event", "push", "X-Gitea-Delivery", delivery, "X-Gitea-Signature", hmac(secret, body));
            }
        };

        final String example;
        final String branch;
        final String commit;

        Forge(String example, String branch, String commit) {
            this.example = example;
            this.branch = branch;
            this.commit = commit;
        }

        abstract Map<String, String> headers(String secret, byte[] body, String delivery);

        byte[] example() throws IOException {
            try (InputStream in = JobWebhookIT.class.getResourceAsStream("/webhooks/" + example)) {
                return in.readAllBytes();
            }
        }
    }

    static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static ValidatableResponse deliver(String path, Map<String, String> headers, byte[] body) {
        return RestAssured.given().headers(headers).contentType("application/json").body(body).post(path).then();
    }

    static String warJob(DeeployWallet owner, String branch) {
        Map<String, Object> body = new HashMap<>(JobApiIT.warJob("hook-" + UUID.randomUUID().toString().substring(0, 8)));
        body.put("repository", Map.of("url", "https://git.example.org/app.git", "branch", branch));
        return JobApiIT.postJob(owner, JobApiIT.newProject(owner), body, UUID.randomUUID().toString()).statusCode(201)
                .extract().path("id");
    }

    static List<JobSpecChanged> revisions(String jobId) {
        return kafka.eventsWithKey(Topics.JOB_COMMANDS, jobId).stream().map(Event::payload)
                .filter(JobSpecChanged.class::isInstance).map(JobSpecChanged.class::cast).toList();
    }

    long count(String sql, Object... params) {
        return pool.preparedQuery(sql).execute(Tuple.from(params)).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0);
    }

    @Test
    void eachForgesPushToTheJobsBranchDeploysItOnceAndADeliveryWithoutTheSecretNothing() throws Exception {
        for (Forge forge : Forge.values()) {
            DeeployWallet owner = DeeployWallet.create();
            String jobId = warJob(owner, forge.branch);
            var made = SignedApi.post(owner, "/api/jobs/" + jobId + "/webhook", null, null).then().statusCode(201)
                    .header("Cache-Control", "no-store").extract().jsonPath();
            String secret = made.getString("secret");
            String path = URI.create(made.getString("url")).getPath();
            assertThat(secret).matches("[0-9a-f]{64}");
            assertThat(path).matches("/api/hooks/wh_[0-9a-f]{32}");
            byte[] body = forge.example();

            // Signed with another secret, or not signed: refused, nothing deployed.
            deliver(path, forge.headers("not-" + secret, body, UUID.randomUUID().toString()), body).statusCode(401)
                    .body("code", equalTo("WEBHOOK_SIGNATURE_INVALID"));
            deliver(path, Map.of(), body).statusCode(401);

            // The forge's push: one revision, however often it is delivered.
            String delivery = UUID.randomUUID().toString();
            for (int i = 0; i < 2; i++) {
                deliver(path, forge.headers(secret, body, delivery), body).statusCode(202)
                        .body("jobId", equalTo(jobId)).body("revision", equalTo(1)).body("ignored", equalTo(null));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> revisions(jobId).size() == 1);
            assertThat(revisions(jobId).get(0).reason()).as(forge.name()).contains(forge.commit)
                    .contains("to " + forge.branch);
            assertThat(revisions(jobId).get(0).spec().revision()).isEqualTo(1);
            assertThat(count("SELECT count(*) FROM job_revision WHERE job_id = $1", jobId)).isEqualTo(2);
            // The secret is kept sealed.
            assertThat(count("SELECT count(*) FROM job_webhook WHERE position(convert_to($1, 'UTF8') in ciphertext) > 0",
                    secret)).isZero();
        }
    }

    @Test
    void aWebhookIsTheJobOwnersRotatedAtWillAndIgnoresWhatIsNotAPushToItsBranch() throws Exception {
        DeeployWallet owner = DeeployWallet.create();
        String jobId = JobLifecycleIT.runningJob(kafka, owner);
        String hook = "/api/jobs/" + jobId + "/webhook";
        DeeployWallet stranger = DeeployWallet.create();
        SignedApi.get(owner, hook).then().statusCode(404).body("code", equalTo("WEBHOOK_NOT_FOUND"));
        SignedApi.post(stranger, hook, null, null).then().statusCode(404).body("code", equalTo("JOB_NOT_FOUND"));
        DeeployWallet extender = DeeployWallet.create();
        SignedApi.put(owner, "/api/delegates/" + extender.address(), Map.of("permissions", List.of("extend"))).then()
                .statusCode(200);
        SignedApi.post(extender, hook, null, null).then().statusCode(403);

        var first = SignedApi.post(owner, hook, null, null).then().statusCode(201).extract().jsonPath();
        SignedApi.get(owner, hook).then().statusCode(200).body("url", equalTo(first.getString("url")))
                .body("secret", equalTo(null));
        SignedApi.get(stranger, hook).then().statusCode(404);
        byte[] body = Forge.GITHUB.example();

        // Rotated: the old URL is gone, and the old secret does not open the new one.
        var second = SignedApi.post(owner, hook, null, null).then().statusCode(201).extract().jsonPath();
        String path = URI.create(second.getString("url")).getPath();
        assertThat(path).isNotEqualTo(URI.create(first.getString("url")).getPath());
        deliver(URI.create(first.getString("url")).getPath(), Forge.GITHUB.headers(first.getString("secret"), body, "d1"), body)
                .statusCode(404).body("code", equalTo("WEBHOOK_NOT_FOUND"));
        deliver(path, Forge.GITHUB.headers(first.getString("secret"), body, "d2"), body).statusCode(401);
        String secret = second.getString("secret");

        // Ignored, each with its reason: a ping, a push to another branch, a tag, a deleted branch.
        Map<String, String> ping = new HashMap<>(Forge.GITHUB.headers(secret, body, "d3"));
        ping.put("X-GitHub-Event", "ping");
        deliver(path, ping, body).statusCode(202).body("ignored", equalTo("a ping event, not a push"));
        for (String[] other : List.of(new String[] {"refs/heads/feature", "a push to feature, not to main"},
                new String[] {"refs/tags/v1", "a push to refs/tags/v1, not to a branch"})) {
            byte[] moved = new String(body, StandardCharsets.UTF_8).replace("\"refs/heads/main\"", "\"" + other[0] + "\"")
                    .getBytes(StandardCharsets.UTF_8);
            deliver(path, Forge.GITHUB.headers(secret, moved, UUID.randomUUID().toString()), moved).statusCode(202)
                    .body("ignored", equalTo(other[1]));
        }
        byte[] deleted = new String(body, StandardCharsets.UTF_8).replace("0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c\",\n  \"repository",
                "0000000000000000000000000000000000000000\",\n  \"repository").getBytes(StandardCharsets.UTF_8);
        deliver(path, Forge.GITHUB.headers(secret, deleted, "d4"), deleted).statusCode(202)
                .body("ignored", equalTo("the branch was deleted"));

        // Rolled back to a commit: auto-deploy is paused, and so are pushes, until the job is resumed.
        SignedApi.post(owner, "/api/jobs/" + jobId + "/rollback", Map.of("commit", "c1"), UUID.randomUUID().toString())
                .then().statusCode(200);
        deliver(path, Forge.GITHUB.headers(secret, body, "d5"), body).statusCode(202)
                .body("ignored", org.hamcrest.Matchers.startsWith("auto-deploy is paused"));
        SignedApi.post(owner, "/api/jobs/" + jobId + "/resume", null, UUID.randomUUID().toString()).then().statusCode(200);
        deliver(path, Forge.GITHUB.headers(secret, body, "d6"), body).statusCode(202).body("revision", equalTo(3));
        await().atMost(Duration.ofSeconds(20)).until(() -> revisions(jobId).size() == 3);
        assertThat(revisions(jobId).get(2).reason()).contains("redeployed on a push of 0d1a26e6");

        // Removed: its URL is gone; a stranger cannot remove it, nor a job that has none.
        SignedApi.delete(stranger, hook).then().statusCode(404);
        SignedApi.delete(owner, hook).then().statusCode(204);
        SignedApi.delete(owner, hook).then().statusCode(404).body("code", equalTo("WEBHOOK_NOT_FOUND"));
        deliver(path, Forge.GITHUB.headers(secret, body, "d7"), body).statusCode(404);
        assertThat(revisions(jobId)).hasSize(3);
    }

    @Test
    void aCarJobHasNoWebhook() {
        DeeployWallet owner = DeeployWallet.create();
        String jobId = JobApiIT.postJob(owner, JobApiIT.newProject(owner), Map.of("alias", "car-" + UUID.randomUUID()
                .toString().substring(0, 8), "kind", "CAR", "image", "local/python:bookworm", "port", 8000,
                "resources", Map.of("cpu", 0.5, "memoryMb", 256)), UUID.randomUUID().toString()).statusCode(201)
                .extract().path("id");
        SignedApi.post(owner, "/api/jobs/" + jobId + "/webhook", null, null).then().statusCode(400)
                .body("field", equalTo("kind"));
        assertThat(count("SELECT count(*) FROM job_webhook WHERE job_id = $1", jobId)).isZero();
    }
}
