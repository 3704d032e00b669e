package io.deeploy.project;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import io.deeploy.node.Ed25519Keys;
import io.deeploy.node.LogGrant;
import io.deeploy.signing.DeeployWallet;
import io.deeploy.signing.SignedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Who may do what, over HTTP against the real database: signatures (replayed, expired, future-dated, forged), API
 * tokens, delegates and tenant isolation. Every refusal is checked to have written nothing.
 */
@QuarkusTest
class AccessIT {

    @Inject
    Pool pool;

    long count(String sql, Object... params) {
        return pool.preparedQuery(sql).execute(Tuple.from(params)).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0);
    }

    static String projectBody() {
        return SignedApi.json(Map.of("name", "p " + UUID.randomUUID().toString().substring(0, 8)));
    }

    @Test
    void replayedExpiredFutureAndForgedSignaturesAreRefusedAndWriteNothing() {
        DeeployWallet owner = DeeployWallet.create();
        String body = projectBody();
        String key = UUID.randomUUID().toString();
        Map<String, String> signed = owner.headers(SignedApi.audience(), "POST", "/api/projects", body);

        given().headers(signed).header("Idempotency-Key", key).contentType(ContentType.JSON).body(body).post("/api/projects")
                .then().statusCode(201);
        // The very same signed request again, even with a fresh idempotency key, is a replay.
        given().headers(signed).header("Idempotency-Key", UUID.randomUUID().toString()).contentType(ContentType.JSON).body(body)
                .post("/api/projects").then().statusCode(401).body("code", equalTo("NONCE_REPLAYED"));

        long now = System.currentTimeMillis();
        String other = projectBody();
        Map<String, Map<String, String>> refused = Map.of(
                "NONCE_EXPIRED", owner.headers(SignedApi.audience(), "POST", "/api/projects", other, now - Duration.ofMinutes(11).toMillis()),
                "NONCE_IN_FUTURE", owner.headers(SignedApi.audience(), "POST", "/api/projects", other, now + Duration.ofMinutes(5).toMillis()),
                "SIGNATURE_INVALID", owner.headers("another-deeploy", "POST", "/api/projects", other, now));
        refused.forEach((code, headers) -> given().headers(headers).header("Idempotency-Key", UUID.randomUUID().toString())
                .contentType(ContentType.JSON).body(other).post("/api/projects")
                .then().statusCode(401).body("code", equalTo(code)));

        // Forged: signed by one wallet, claiming to be another; and a signed body swapped for another.
        DeeployWallet forger = DeeployWallet.create();
        Map<String, String> claimsOwner = new java.util.HashMap<>(forger.headers(SignedApi.audience(), "POST", "/api/projects", other));
        claimsOwner.put(SignedRequest.SENDER_HEADER, owner.address());
        given().headers(claimsOwner).header("Idempotency-Key", UUID.randomUUID().toString()).contentType(ContentType.JSON)
                .body(other).post("/api/projects").then().statusCode(401).body("code", equalTo("SIGNATURE_INVALID"));
        Map<String, String> forOther = owner.headers(SignedApi.audience(), "POST", "/api/projects", other);
        given().headers(forOther).header("Idempotency-Key", UUID.randomUUID().toString()).contentType(ContentType.JSON)
                .body(projectBody()).post("/api/projects").then().statusCode(401).body("code", equalTo("SIGNATURE_INVALID"));
        given().header("Idempotency-Key", UUID.randomUUID().toString()).contentType(ContentType.JSON).body(other)
                .post("/api/projects").then().statusCode(401).body("code", equalTo("AUTH_REQUIRED"));
        given().header("Authorization", "Bearer dpt_" + "A".repeat(43)).get("/api/projects")
                .then().statusCode(401).body("code", equalTo("TOKEN_INVALID"));

        assertThat(count("SELECT count(*) FROM project WHERE owner = $1", owner.address())).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM project WHERE owner = $1", forger.address())).isZero();
    }

    @Test
    void oneTenantCanNeitherSeeNorTouchAnothersProjectsJobsOrLogs() {
        DeeployWallet alice = DeeployWallet.create();
        DeeployWallet mallory = DeeployWallet.create();
        String project = JobApiIT.newProject(alice);
        String alias = "iso-" + UUID.randomUUID().toString().substring(0, 8);
        String job = JobApiIT.postJob(alice, project, JobApiIT.warJob(alias), UUID.randomUUID().toString()).statusCode(201)
                .extract().path("id");
        long jobsBefore = count("SELECT count(*) FROM job");

        SignedApi.get(mallory, "/api/projects").then().statusCode(200).body("$", hasSize(0));
        SignedApi.get(mallory, "/api/projects/" + project).then().statusCode(404).body("code", equalTo("PROJECT_NOT_FOUND"));
        SignedApi.get(mallory, "/api/projects/" + project + "/jobs").then().statusCode(404);
        SignedApi.get(mallory, "/api/jobs/" + job).then().statusCode(404).body("code", equalTo("JOB_NOT_FOUND"));
        SignedApi.get(mallory, "/api/jobs/" + job + "/log-grant").then().statusCode(404);
        SignedApi.post(mallory, "/api/jobs/" + job + "/stop", null, null).then().statusCode(404);
        SignedApi.delete(mallory, "/api/projects/" + project).then().statusCode(404);
        SignedApi.post(mallory, "/api/projects/" + project + "/jobs",
                JobApiIT.warJob("iso2-" + UUID.randomUUID().toString().substring(0, 8)), UUID.randomUUID().toString())
                .then().statusCode(404);
        SignedApi.post(mallory, "/api/projects/" + project + "/tokens", Map.of("name", "steal", "permissions", List.of("create")),
                UUID.randomUUID().toString()).then().statusCode(404);
        SignedApi.get(mallory, "/api/projects?owner=" + alice.address()).then().statusCode(403).body("code", equalTo("NOT_A_DELEGATE"));

        SignedApi.get(alice, "/api/jobs/" + job).then().statusCode(200).body("state", equalTo("REQUESTED"));
        assertThat(count("SELECT count(*) FROM job")).isEqualTo(jobsBefore);
        assertThat(count("SELECT count(*) FROM project WHERE id = $1 AND deleted_at IS NULL", project)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM api_token WHERE project_id = $1", project)).isZero();
    }

    @Test
    void aDelegateActsWithinItsPermissionBitsAndLosesThemWhenRevoked() {
        DeeployWallet owner = DeeployWallet.create();
        DeeployWallet ci = DeeployWallet.create();
        String project = JobApiIT.newProject(owner);

        SignedApi.put(owner, "/api/delegates/" + ci.address(), Map.of("permissions", List.of("create"))).then().statusCode(200)
                .body("permissions", equalTo(List.of("create"))).body("bits", equalTo(1));
        SignedApi.put(owner, "/api/delegates/" + ci.address(), Map.of("permissions", List.of("warp"))).then().statusCode(400)
                .body("field", equalTo("permissions"));
        SignedApi.put(owner, "/api/delegates/" + owner.address(), Map.of("permissions", List.of("create"))).then().statusCode(400);
        SignedApi.put(owner, "/api/delegates/0x1234", Map.of("permissions", List.of("create"))).then().statusCode(400)
                .body("field", equalTo("address"));
        SignedApi.get(owner, "/api/delegates").then().statusCode(200).body("delegate", equalTo(List.of(ci.address())));

        // create: the delegate may add a job (it belongs to the owner) and read it, but not stop it (redeem) or delete.
        SignedApi.get(ci, "/api/projects?owner=" + owner.address()).then().statusCode(200).body("id", equalTo(List.of(project)));
        String job = JobApiIT.postJob(ci, project, JobApiIT.warJob("dlg-" + UUID.randomUUID().toString().substring(0, 8)),
                UUID.randomUUID().toString()).statusCode(201).extract().path("id");
        assertThat(count("SELECT count(*) FROM job WHERE id = $1 AND owner = $2", job, owner.address())).isEqualTo(1);
        SignedApi.get(ci, "/api/jobs/" + job).then().statusCode(200)
                .body("history[0].reason", equalTo("requested by " + ci.address()));
        SignedApi.post(ci, "/api/jobs/" + job + "/stop", null, null).then().statusCode(403).body("code", equalTo("PERMISSION_DENIED"));
        SignedApi.delete(ci, "/api/projects/" + project).then().statusCode(403).body("code", equalTo("OWNER_ONLY"));
        SignedApi.get(ci, "/api/delegates").then().statusCode(200).body("$", hasSize(0));

        SignedApi.put(owner, "/api/delegates/" + ci.address(), Map.of("permissions", List.of("create", "redeem"))).then()
                .statusCode(200).body("bits", equalTo(9));
        SignedApi.post(ci, "/api/jobs/" + job + "/stop", null, null).then().statusCode(202).body("state", equalTo("STOPPING"));

        SignedApi.delete(owner, "/api/delegates/" + ci.address()).then().statusCode(204);
        SignedApi.delete(owner, "/api/delegates/" + ci.address()).then().statusCode(204);
        SignedApi.get(ci, "/api/jobs/" + job).then().statusCode(404);
        assertThat(count("SELECT count(*) FROM delegate WHERE owner = $1", owner.address())).isZero();
    }

    @Test
    void anApiTokenWorksInItsProjectOnlyAndOnlyUntilRevoked() {
        DeeployWallet owner = DeeployWallet.create();
        String project = JobApiIT.newProject(owner);
        String otherProject = JobApiIT.newProject(owner);
        String key = UUID.randomUUID().toString();

        String created = SignedApi.post(owner, "/api/projects/" + project + "/tokens",
                Map.of("name", "ci deploys", "permissions", List.of("create")), key).then().statusCode(201)
                .header("Cache-Control", "no-store").body("permissions", equalTo(List.of("create"))).extract().asString();
        String token = io.restassured.path.json.JsonPath.from(created).getString("token");
        String tokenId = io.restassured.path.json.JsonPath.from(created).getString("id");
        assertThat(token).startsWith("dpt_");
        // A retried command gets the same token's description, but the token is never shown again.
        SignedApi.post(owner, "/api/projects/" + project + "/tokens", Map.of("name", "ci deploys", "permissions", List.of("create")), key)
                .then().statusCode(200).body("id", equalTo(tokenId)).body("token", nullValue());
        assertThat(SignedApi.get(owner, "/api/projects/" + project + "/tokens").then().statusCode(200)
                .body("id", equalTo(List.of(tokenId))).extract().asString()).doesNotContain(token);
        // Only its hash is stored.
        assertThat(count("SELECT count(*) FROM api_token WHERE token_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex')", token))
                .isEqualTo(1);

        SignedApi.token(token).get("/api/auth/whoami").then().statusCode(200).body("via", equalTo("token"))
                .body("projectId", equalTo(project)).body("address", equalTo(owner.address()));
        SignedApi.token(token).get("/api/projects").then().statusCode(200).body("id", equalTo(List.of(project)));
        String body = SignedApi.json(JobApiIT.warJob("tok-" + UUID.randomUUID().toString().substring(0, 8)));
        String job = SignedApi.token(token).header("Idempotency-Key", UUID.randomUUID().toString()).contentType(ContentType.JSON)
                .body(body).post("/api/projects/" + project + "/jobs").then().statusCode(201).extract().path("id");
        SignedApi.token(token).get("/api/jobs/" + job).then().statusCode(200).body("history[0].reason", equalTo(
                "requested by API token 'ci deploys' (" + tokenId + ")"));
        // Outside its project, or beyond its permissions, or for what only the owner's signature may do: refused.
        SignedApi.token(token).get("/api/projects/" + otherProject).then().statusCode(404);
        SignedApi.token(token).header("Idempotency-Key", UUID.randomUUID().toString()).contentType(ContentType.JSON).body(body)
                .post("/api/projects/" + otherProject + "/jobs").then().statusCode(404);
        SignedApi.token(token).post("/api/jobs/" + job + "/stop").then().statusCode(403).body("code", equalTo("PERMISSION_DENIED"));
        SignedApi.token(token).delete("/api/projects/" + project).then().statusCode(403).body("code", equalTo("TOKEN_SCOPE"));
        SignedApi.token(token).header("Idempotency-Key", UUID.randomUUID().toString()).contentType(ContentType.JSON)
                .body(projectBody()).post("/api/projects").then().statusCode(403).body("code", equalTo("TOKEN_SCOPE"));
        SignedApi.token(token).header("Idempotency-Key", UUID.randomUUID().toString()).contentType(ContentType.JSON)
                .body(SignedApi.json(Map.of("name", "more", "permissions", List.of()))).post("/api/projects/" + project + "/tokens")
                .then().statusCode(403).body("code", equalTo("TOKEN_SCOPE"));
        SignedApi.token(token).get("/api/delegates").then().statusCode(403).body("code", equalTo("TOKEN_SCOPE"));
        // A token and a signature together are ambiguous.
        given().headers(owner.headers(SignedApi.audience(), "GET", "/api/projects", "")).header("Authorization", "Bearer " + token)
                .get("/api/projects").then().statusCode(401).body("code", equalTo("AUTH_AMBIGUOUS"));

        SignedApi.delete(owner, "/api/projects/" + project + "/tokens/" + tokenId).then().statusCode(204);
        SignedApi.delete(owner, "/api/projects/" + project + "/tokens/" + tokenId).then().statusCode(404);
        SignedApi.token(token).get("/api/jobs/" + job).then().statusCode(401).body("code", equalTo("TOKEN_INVALID"));
    }

    @Test
    void aSignInSessionActsAsItsWalletOnlyUntilItEndsAndNeverWhereOnlyTheSignatureMay() {
        DeeployWallet owner = DeeployWallet.create();
        DeeployWallet stranger = DeeployWallet.create();
        String project = JobApiIT.newProject(owner);
        String strangers = JobApiIT.newProject(stranger);

        String started = SignedApi.post(owner, "/api/auth/sessions", null, UUID.randomUUID().toString()).then().statusCode(201)
                .body("address", equalTo(owner.address())).extract().asString();
        String session = io.restassured.path.json.JsonPath.from(started).getString("token");
        String sessionId = io.restassured.path.json.JsonPath.from(started).getString("id");
        assertThat(session).startsWith("dps_");
        assertThat(Instant.parse(io.restassured.path.json.JsonPath.from(started).getString("expiresAt")))
                .isBetween(Instant.now().plus(Duration.ofHours(11)), Instant.now().plus(Duration.ofHours(13)));
        // Only its hash is stored.
        assertThat(count("SELECT count(*) FROM wallet_session WHERE token_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex')", session))
                .isEqualTo(1);
        assertThat(count("SELECT count(*) FROM wallet_session WHERE token_hash = $1", session)).isZero();

        // It acts as its wallet: the wallet's projects, a new one, a job created in the wallet's name; another tenant's stay
        // hidden.
        SignedApi.token(session).get("/api/auth/whoami").then().statusCode(200).body("via", equalTo("session"))
                .body("address", equalTo(owner.address()));
        SignedApi.token(session).get("/api/projects").then().statusCode(200).body("id", equalTo(List.of(project)));
        SignedApi.token(session).header("Idempotency-Key", UUID.randomUUID().toString()).contentType(ContentType.JSON)
                .body(projectBody()).post("/api/projects").then().statusCode(201).body("owner", equalTo(owner.address()));
        String job = SignedApi.token(session).header("Idempotency-Key", UUID.randomUUID().toString()).contentType(ContentType.JSON)
                .body(SignedApi.json(JobApiIT.warJob("ses-" + UUID.randomUUID().toString().substring(0, 8))))
                .post("/api/projects/" + project + "/jobs").then().statusCode(201).extract().path("id");
        SignedApi.token(session).get("/api/jobs/" + job).then().statusCode(200)
                .body("history[0].reason", equalTo("requested by " + owner.address()));
        SignedApi.token(session).get("/api/projects/" + strangers).then().statusCode(404);

        // What only the wallet's own signature may do, a session may not: nothing is written.
        long tokens = count("SELECT count(*) FROM api_token");
        long sessions = count("SELECT count(*) FROM wallet_session");
        SignedApi.token(session).header("Idempotency-Key", UUID.randomUUID().toString()).contentType(ContentType.JSON)
                .body(SignedApi.json(Map.of("name", "from a session", "permissions", List.of("create"))))
                .post("/api/projects/" + project + "/tokens").then().statusCode(403).body("code", equalTo("SESSION_SCOPE"));
        SignedApi.token(session).contentType(ContentType.JSON).body(SignedApi.json(Map.of("permissions", List.of("create"))))
                .put("/api/delegates/" + stranger.address()).then().statusCode(403).body("code", equalTo("SESSION_SCOPE"));
        SignedApi.token(session).header("Idempotency-Key", UUID.randomUUID().toString())
                .post("/api/auth/sessions").then().statusCode(403).body("code", equalTo("SESSION_SCOPE"));
        SignedApi.token(session).delete("/api/projects/" + project).then().statusCode(403).body("code", equalTo("SESSION_SCOPE"));
        assertThat(count("SELECT count(*) FROM api_token")).isEqualTo(tokens);
        assertThat(count("SELECT count(*) FROM wallet_session")).isEqualTo(sessions);
        assertThat(count("SELECT count(*) FROM delegate WHERE owner = $1", owner.address())).isZero();

        // A forged token of the right form, and an expired session, are refused.
        SignedApi.token("dps_" + "A".repeat(43)).get("/api/projects").then().statusCode(401).body("code", equalTo("SESSION_INVALID"));
        String second = SignedApi.post(owner, "/api/auth/sessions", null, UUID.randomUUID().toString()).then().statusCode(201)
                .extract().path("token");
        SignedApi.token(second).get("/api/projects").then().statusCode(200).body("id", hasSize(2));
        pool.preparedQuery("UPDATE wallet_session SET expires_at = now() - interval '1 second' WHERE token_hash = "
                + "encode(sha256(convert_to($1, 'UTF8')), 'hex')").execute(Tuple.of(second)).await().atMost(Duration.ofSeconds(5));
        SignedApi.token(second).get("/api/projects").then().statusCode(401).body("code", equalTo("SESSION_INVALID"));

        // Signing out ends that session only; the wallet's signature ends them all.
        String third = SignedApi.post(owner, "/api/auth/sessions", null, UUID.randomUUID().toString()).then().statusCode(201)
                .extract().path("token");
        SignedApi.token(session).delete("/api/auth/sessions").then().statusCode(204);
        SignedApi.token(session).get("/api/projects").then().statusCode(401).body("code", equalTo("SESSION_INVALID"));
        assertThat(count("SELECT count(*) FROM wallet_session WHERE id = $1", sessionId)).isZero();
        SignedApi.token(third).get("/api/projects").then().statusCode(200);
        SignedApi.delete(owner, "/api/auth/sessions").then().statusCode(204);
        SignedApi.token(third).get("/api/projects").then().statusCode(401).body("code", equalTo("SESSION_INVALID"));
        assertThat(count("SELECT count(*) FROM wallet_session WHERE address = $1", owner.address())).isZero();
    }

    @Test
    void aLogGrantOpensOnlyTheJobsLogsAndOnlyForAWhile() {
        DeeployWallet owner = DeeployWallet.create();
        String project = JobApiIT.newProject(owner);
        String job = JobApiIT.postJob(owner, project, JobApiIT.warJob("log-" + UUID.randomUUID().toString().substring(0, 8)),
                UUID.randomUUID().toString()).statusCode(201).extract().path("id");
        String answer = SignedApi.get(owner, "/api/jobs/" + job + "/log-grant").then().statusCode(200)
                .header("Cache-Control", "no-store").body("jobId", equalTo(job)).extract().asString();
        String grant = io.restassured.path.json.JsonPath.from(answer).getString("grant");
        Instant expiresAt = Instant.parse(io.restassured.path.json.JsonPath.from(answer).getString("expiresAt"));
        // The agents check it with the public grant key this deployment publishes (and nodes learn through the gateway).
        java.security.PublicKey key = Ed25519Keys.decodePublic(given().get("/api/auth").then().extract().path("logGrantKey"));
        assertThat(LogGrant.permits(key, grant, job, Instant.now())).isTrue();
        assertThat(LogGrant.permits(key, grant, "job-other", Instant.now())).isFalse();
        assertThat(LogGrant.permits(key, grant, job, expiresAt)).isFalse();
        assertThat(LogGrant.permits(Ed25519Keys.generate().getPublic(), grant, job, Instant.now())).isFalse();
        assertThat(expiresAt).isBefore(Instant.now().plus(Duration.ofMinutes(11)));
    }

    @Test
    void aSignatureMadeForAnotherInstallationIsRefused() throws Exception {
        // Nothing configured (as on a fresh install): the audience was made for this installation alone, so a request
        // captured at another one (which would have signed the same words for its own audience) is refused here.
        String audience = SignedApi.audience();
        assertThat(audience).startsWith("deeploy-").isNotEqualTo("deeploy");
        DeeployWallet owner = DeeployWallet.create();
        String body = projectBody();
        for (String elsewhere : List.of("deeploy", io.deeploy.signing.Audience.loadOrCreate(
                java.nio.file.Path.of("target", "another-installation-" + UUID.randomUUID(), "audience")))) {
            given().headers(owner.headers(elsewhere, "POST", "/api/projects", body)).header("Idempotency-Key", UUID.randomUUID().toString())
                    .contentType(ContentType.JSON).body(body).post("/api/projects")
                    .then().statusCode(401).body("code", equalTo("SIGNATURE_INVALID"));
        }
        given().headers(owner.headers(audience, "POST", "/api/projects", body)).header("Idempotency-Key", UUID.randomUUID().toString())
                .contentType(ContentType.JSON).body(body).post("/api/projects").then().statusCode(201);
    }

    @Test
    void howToSignIsPublic() {
        given().get("/api/auth").then().statusCode(200).body("audience", equalTo(SignedApi.audience()))
                .body("signatureHeaders", equalTo(List.of(SignedRequest.SENDER_HEADER, SignedRequest.NONCE_HEADER,
                        SignedRequest.SIGNATURE_HEADER)));
        given().get("/api/auth/whoami").then().statusCode(401).body("code", equalTo("AUTH_REQUIRED"));
    }
}
