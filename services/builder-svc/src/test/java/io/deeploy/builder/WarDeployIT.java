package io.deeploy.builder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.events.payload.AppFailed;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.BuildCompleted;
import io.deeploy.events.payload.BuildStarted;
import io.deeploy.events.payload.FileVolume;
import io.deeploy.events.payload.HealthCheck;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.Resources;
import io.deeploy.events.payload.VcsSource;
import io.deeploy.events.payload.Volume;
import io.deeploy.outbox.testing.GitDaemon;
import io.deeploy.outbox.testing.GitHttpServer;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import io.restassured.RestAssured;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Worker App Runner job on this agent against real parts: a git daemon on loopback, the Docker engine with the
 * locally built python image, and the platform's scheduler-svc (its node gateway) on Kafka and PostgreSQL.
 */
@QuarkusTest
class WarDeployIT {

    static GitDaemon git;

    @Inject
    DockerClient docker;

    @BeforeAll
    static void start() throws Exception {
        git = GitDaemon.start();
    }

    @AfterAll
    static void close() {
        git.close();
    }

    static JobSpec war(String repoUrl, List<String> commands) {
        return war(repoUrl, commands, 30);
    }

    static JobSpec war(String repoUrl, List<String> commands, int pollSeconds) {
        return new JobSpec(JobKind.WAR, "web", "local/python:bookworm", new VcsSource(repoUrl, "main", null, null, pollSeconds), commands,
                Map.of("GREETING", "hi"), List.of(), 8000, new Resources(500, 256, 0), "always",
                new HealthCheck(HealthCheck.Mode.HTTP, "/", 0, 60, 5), List.of(), 1, List.of(), 30, null, null, null, null);
    }

    static <T> List<T> all(String jobId, Class<T> type) {
        return Jobs.all(jobId, type);
    }

    static <T> Optional<T> first(String jobId, Class<T> type) {
        return Jobs.first(jobId, type);
    }

    static int webhook(String body, String signature) {
        var request = RestAssured.given().contentType("application/json").body(body);
        if (signature != null) {
            request = request.header("X-Hub-Signature-256", signature);
        }
        return request.post("/api/webhooks/git").statusCode();
    }

    static String sign(String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("it-webhook-secret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void newCommitsAreFetchedBuiltAndSwitchedToWhileABrokenOneLeavesTheLastGoodVersionServing() throws Exception {
        String repo = "live" + UUID.randomUUID().toString().substring(0, 8);
        String url = git.createRepository(repo, Map.of("index.html", "v1"));
        String jobId = "job-" + UUID.randomUUID();
        AppStarted v1 = deployAndAwaitStart(jobId, war(url, List.of("test ! -f broken", "python3 -m http.server 8000"), 5));
        assertThat(get(v1.port())).isEqualTo("v1");
        // Serving healthily, the job is reported in the heartbeats the uptime oracle counts.
        await().atMost(Duration.ofSeconds(20)).until(() -> RestAssured.given().get(Jobs.schedulerUrl("/api/nodes/" + TestPlatform.NODE))
                .then().extract().<List<String>>path("runningJobs").contains(jobId));

        // Polling finds the new commit: built beside v1, switched to, then v1 is removed.
        String c2 = git.commit(repo, Map.of("index.html", "v2"), "v2");
        AppStarted v2 = await().atMost(Duration.ofSeconds(60)).until(() -> all(jobId, AppStarted.class), l -> l.size() == 2).get(1);
        assertThat(v2.commit()).isEqualTo(c2);
        assertThat(v2.port()).isNotEqualTo(v1.port());
        assertThat(get(v2.port())).isEqualTo("v2");
        await().atMost(Duration.ofSeconds(20)).until(() -> docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(ContainerRuntime.JOB_LABEL, jobId)).exec().size() == 1);

        // A commit that breaks the build: reported with its commit, and v2 keeps serving.
        String c3 = git.commit(repo, Map.of("index.html", "v3", "broken", "1"), "breaks the build");
        BuildCompleted failed = await().atMost(Duration.ofSeconds(60)).until(
                () -> all(jobId, BuildCompleted.class).stream().filter(b -> !b.success()).findFirst(), Optional::isPresent).orElseThrow();
        assertThat(failed.commit()).isEqualTo(c3);
        assertThat(failed.failureReason()).isEqualTo("build command exited with 1");
        assertThat(get(v2.port())).isEqualTo("v2");
        assertThat(all(jobId, AppStarted.class)).hasSize(2);
        // The broken commit is not rebuilt on every poll.
        await().during(Duration.ofSeconds(12)).atMost(Duration.ofSeconds(20)).until(() -> all(jobId, BuildCompleted.class).size() == 3);
        stopAndCheckClean(jobId);
    }

    /**
     * A new revision of the spec is deployed beside what serves and switched to; a revision pinned to an earlier commit
     * (a rollback) runs that commit and does not deploy new ones until a revision follows the branch again; a pin to a
     * commit that is not on the branch fails that deployment and leaves what serves serving.
     */
    @Test
    void aRevisionIsDeployedBesideWhatServesAndAPinnedCommitPausesAutoDeploy() throws Exception {
        String repo = "pin" + UUID.randomUUID().toString().substring(0, 8);
        String url = git.createRepository(repo, Map.of("index.html", "v0"));
        String c1 = git.commit(repo, Map.of("index.html", "v1"), "v1");
        String c2 = git.commit(repo, Map.of("index.html", "v2"), "v2");
        String jobId = "job-" + UUID.randomUUID();
        JobSpec spec = war(url, List.of("python3 -m http.server 8000"), 5);
        AppStarted first = deployAndAwaitStart(jobId, spec);
        assertThat(first.commit()).isEqualTo(c2);
        assertThat(first.revision()).isZero();

        Jobs.revise(jobId, spec.withVcs(spec.vcs().pinnedTo(c1)).withRevision(1));
        AppStarted rolledBack = await().atMost(Duration.ofSeconds(90)).until(() -> all(jobId, AppStarted.class),
                l -> l.size() == 2).get(1);
        assertThat(rolledBack.commit()).isEqualTo(c1);
        assertThat(rolledBack.revision()).isEqualTo(1);
        assertThat(rolledBack.port()).isNotEqualTo(first.port());
        assertThat(get(rolledBack.port())).isEqualTo("v1");
        await().atMost(Duration.ofSeconds(20)).until(() -> docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(ContainerRuntime.JOB_LABEL, jobId)).exec().size() == 1);

        // Pinned: a new commit, polled and pushed, is not deployed.
        String c3 = git.commit(repo, Map.of("index.html", "v3"), "v3");
        String push = "{\"ref\":\"refs/heads/main\",\"repository\":{\"clone_url\":\"" + url + "\"}}";
        webhook(push, sign(push));
        await().during(Duration.ofSeconds(15)).atMost(Duration.ofSeconds(25)).until(() -> all(jobId, BuildStarted.class).size() == 2);
        assertThat(get(rolledBack.port())).isEqualTo("v1");

        // Following the branch again: its head is deployed.
        Jobs.revise(jobId, spec.withRevision(2));
        AppStarted resumed = await().atMost(Duration.ofSeconds(90)).until(() -> all(jobId, AppStarted.class),
                l -> l.size() == 3).get(2);
        assertThat(resumed.commit()).isEqualTo(c3);
        assertThat(get(resumed.port())).isEqualTo("v3");

        // A pin to a commit the branch does not have: that deployment fails, v3 keeps serving.
        Jobs.revise(jobId, spec.withVcs(spec.vcs().pinnedTo("0123456789abcdef0123456789abcdef01234567")).withRevision(3));
        BuildCompleted refused = await().atMost(Duration.ofSeconds(60)).until(() -> all(jobId, BuildCompleted.class).stream()
                .filter(b -> !b.success()).findFirst(), Optional::isPresent).orElseThrow();
        assertThat(refused.failureReason()).contains("is not on branch main");
        assertThat(get(resumed.port())).isEqualTo("v3");
        assertThat(all(jobId, AppStarted.class)).hasSize(3);
        stopAndCheckClean(jobId);
    }

    @Test
    void aSignedWebhookRedeploysAtOnceAndABadSignatureIsRefused() throws Exception {
        String repo = "hook" + UUID.randomUUID().toString().substring(0, 8);
        String url = git.createRepository(repo, Map.of("index.html", "w1"));
        String jobId = "job-" + UUID.randomUUID();
        // Poll only hourly, so that only the webhook can explain a prompt redeploy.
        AppStarted w1 = deployAndAwaitStart(jobId, war(url, List.of("python3 -m http.server 8000"), 3600));
        assertThat(get(w1.port())).isEqualTo("w1");

        String c2 = git.commit(repo, Map.of("index.html", "w2"), "w2");
        String push = "{\"ref\":\"refs/heads/main\",\"after\":\"" + c2 + "\",\"repository\":{\"clone_url\":\"" + url + "\"}}";
        assertThat(webhook(push, null)).isEqualTo(401);
        assertThat(webhook(push, sign(push + " "))).isEqualTo(401);
        assertThat(webhook("{}", sign("{}"))).isEqualTo(400);
        assertThat(webhook(push, sign(push))).isEqualTo(202);
        AppStarted w2 = await().atMost(Duration.ofSeconds(60)).until(() -> all(jobId, AppStarted.class), l -> l.size() == 2).get(1);
        assertThat(w2.commit()).isEqualTo(c2);
        assertThat(get(w2.port())).isEqualTo("w2");
        stopAndCheckClean(jobId);
    }

    @Test
    void aCrashedAppIsReportedAndRestartedUnderItsPolicy() throws Exception {
        String repo = "crash" + UUID.randomUUID().toString().substring(0, 8);
        String url = git.createRepository(repo, Map.of("index.html", "r1"));
        String jobId = "job-" + UUID.randomUUID();
        AppStarted first = deployAndAwaitStart(jobId, war(url, List.of("python3 -m http.server 8000"), 3600));

        docker.killContainerCmd(first.containerId()).exec();
        AppFailed crash = await().atMost(Duration.ofSeconds(30)).until(() -> first(jobId, AppFailed.class), Optional::isPresent)
                .orElseThrow();
        assertThat(crash.reason()).isEqualTo("app exited with code 137");
        assertThat(crash.restarts()).isEqualTo(1);
        AppStarted again = await().atMost(Duration.ofSeconds(60)).until(() -> all(jobId, AppStarted.class), l -> l.size() == 2).get(1);
        assertThat(again.containerId()).isNotEqualTo(first.containerId());
        assertThat(again.commit()).isEqualTo(first.commit());
        assertThat(get(again.port())).isEqualTo("r1");
        stopAndCheckClean(jobId);
    }

    @Test
    void volumesOutliveRestartsAndFileVolumesAreMountedReadOnly() throws Exception {
        String repo = "vol" + UUID.randomUUID().toString().substring(0, 8);
        String url = git.createRepository(repo, Map.of("index.html", "placeholder"));
        String jobId = "job-" + UUID.randomUUID();
        JobSpec base = war(url, List.of("cat /config/greeting.txt > index.html",
                "sh -c 'date >> /data/starts; exec python3 -m http.server 8000'"), 3600);
        JobSpec spec = new JobSpec(base.kind(), base.alias(), base.image(), base.vcs(), base.commands(), base.env(),
                base.secretEnvNames(), base.port(), base.resources(), base.restartPolicy(), base.healthCheck(), base.targetNodes(),
                base.targetNodeCount(), base.nodeTags(), base.durationEpochs(), List.of(new Volume("data", "/data")),
                List.of(new FileVolume("greeting", "/config/greeting.txt", "hello from a file volume")), null, null);
        AppStarted first = deployAndAwaitStart(jobId, spec);
        assertThat(get(first.port())).isEqualTo("hello from a file volume");
        var mounts = docker.inspectContainerCmd(first.containerId()).exec().getMounts();
        var data = mounts.stream().filter(m -> "/data".equals(m.getDestination().getPath())).findFirst().orElseThrow();
        var config = mounts.stream().filter(m -> "/config/greeting.txt".equals(m.getDestination().getPath())).findFirst().orElseThrow();
        assertThat(data.getName()).isEqualTo("deeploy-" + TestPlatform.NODE + "-" + jobId + "-data");
        assertThat(config.getRW()).isFalse();

        // A restarted app finds what the previous one wrote.
        docker.killContainerCmd(first.containerId()).exec();
        AppStarted again = await().atMost(Duration.ofSeconds(60)).until(() -> all(jobId, AppStarted.class), l -> l.size() == 2).get(1);
        var dataAgain = docker.inspectContainerCmd(again.containerId()).exec().getMounts().stream()
                .filter(m -> "/data".equals(m.getDestination().getPath())).findFirst().orElseThrow();
        assertThat(dataAgain.getName()).isEqualTo(data.getName());

        stopAndCheckClean(jobId);
        assertThat(docker.listVolumesCmd().withFilter("label", List.of(ContainerRuntime.JOB_LABEL + "=" + jobId)).exec().getVolumes())
                .isNullOrEmpty();
    }

    @Test
    void aJobWhoseImageIsMissingFailsWithTheReason() {
        String jobId = "job-" + UUID.randomUUID();
        JobSpec missing = new JobSpec(JobKind.CAR, "gone", "local/no-such-image:1", null, List.of(), Map.of(), List.of(), 80,
                new Resources(100, 64, 0), "always", null, List.of(), 1, List.of(), 30, null, null, null, null);
        Jobs.request(jobId, missing);
        AppFailed failed = await().atMost(Duration.ofSeconds(30)).until(() -> first(jobId, AppFailed.class), Optional::isPresent)
                .orElseThrow();
        assertThat(failed.reason()).startsWith("deployment failed: ").contains("no-such-image");
        assertThat(first(jobId, AppStarted.class)).isEmpty();
        stopAndCheckClean(jobId);
    }

    static AppStarted deployAndAwaitStart(String jobId, JobSpec spec) {
        return Jobs.deployAndAwaitStart(jobId, spec);
    }

    void stopAndCheckClean(String jobId) {
        Jobs.stopAndCheckClean(docker, jobId);
    }

    static io.restassured.specification.RequestSpecification logs(String jobId) {
        return Jobs.logs(jobId);
    }

    static String get(int port) throws Exception {
        return Jobs.get(port);
    }

    @Test
    void aRepositoryIsClonedBuiltRunHealthCheckedAndRemovedOnStop() throws Exception {
        String repo = "app" + UUID.randomUUID().toString().substring(0, 8);
        String url = git.createRepository(repo, Map.of("index.html", "hello v1"));
        String jobId = "job-" + UUID.randomUUID();
        Jobs.request(jobId, war(url, List.of("test -f index.html", "echo built-$GREETING > built.txt", "python3 -m http.server 8000")));

        AppStarted started = await().atMost(Duration.ofSeconds(120)).until(() -> first(jobId, AppStarted.class), Optional::isPresent)
                .orElseThrow();
        assertThat(get(started.port())).isEqualTo("hello v1");
        // Build and app output are kept and served per job, to the holder of a log grant for it.
        logs(jobId).get("/api/jobs/{id}/logs?source=build", jobId).then().statusCode(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> logs(jobId).get("/api/jobs/{id}/logs?source=app", jobId)
                .asString().contains("GET / HTTP/1.1"));
        logs(jobId).get("/api/jobs/{id}/logs?source=both", jobId).then().statusCode(400);
        logs(jobId).get("/api/jobs/{id}/logs?lines=0", jobId).then().statusCode(400);
        logs("job-unknown").get("/api/jobs/{id}/logs", "job-unknown").then().statusCode(404);
        // Without a grant for this job, nothing: not its logs, not whether it runs here.
        RestAssured.given().get("/api/jobs/{id}/logs?source=app", jobId).then().statusCode(401)
                .body("code", org.hamcrest.Matchers.equalTo("LOG_GRANT_MISSING"));
        String expired = Jobs.grant(jobId, Instant.now().minusSeconds(1));
        String otherJob = Jobs.grant("job-unknown", Instant.now().plusSeconds(300));
        // Made with a key that is not the platform's, as a node could: no node can open another tenant's logs.
        String otherKey = io.deeploy.node.LogGrant.issue(io.deeploy.node.Ed25519Keys.generate().getPrivate(), jobId,
                Instant.now().plusSeconds(300));
        for (String grant : List.of(expired, otherJob, otherKey, "dlg2." + jobId + ".99999999999.forged")) {
            String body = RestAssured.given().header("Authorization", "Bearer " + grant).get("/api/jobs/{id}/logs?source=app", jobId)
                    .then().statusCode(401).body("code", org.hamcrest.Matchers.equalTo("LOG_GRANT_INVALID")).extract().asString();
            assertThat(body).doesNotContain("GET / HTTP/1.1").doesNotContain(grant);
        }
        RestAssured.given().header("Authorization", "Bearer " + otherJob).get("/api/jobs/{id}/logs", "job-unknown-2").then()
                .statusCode(401);
        BuildStarted building = first(jobId, BuildStarted.class).orElseThrow();
        assertThat(building.commit()).hasSize(40).isEqualTo(started.commit());
        BuildCompleted built = first(jobId, BuildCompleted.class).orElseThrow();
        assertThat(built.success()).isTrue();
        assertThat(started.host()).isEqualTo("127.0.0.1");
        // The app runs with the job's limits and loopback-only publishing.
        var inspect = docker.inspectContainerCmd(started.containerId()).exec();
        assertThat(inspect.getHostConfig().getMemory()).isEqualTo(256L * 1024 * 1024);
        assertThat(inspect.getHostConfig().getNanoCPUs()).isEqualTo(500_000_000L);
        assertThat(inspect.getHostConfig().getSecurityOpts()).contains("no-new-privileges");
        assertThat(inspect.getNetworkSettings().getPorts().getBindings().values().iterator().next()[0].getHostIp())
                .isEqualTo("127.0.0.1");

        stopAndCheckClean(jobId);
    }

    @Test
    void aFailingBuildIsReportedWithItsExitCodeAndLogTail() throws Exception {
        String repo = "broken" + UUID.randomUUID().toString().substring(0, 8);
        String url = git.createRepository(repo, Map.of("index.html", "never served"));
        String jobId = "job-" + UUID.randomUUID();
        Jobs.request(jobId, war(url, List.of("echo compiling && echo 'syntax error' >&2 && exit 3", "python3 -m http.server 8000")));

        BuildCompleted built = await().atMost(Duration.ofSeconds(120)).until(() -> first(jobId, BuildCompleted.class),
                Optional::isPresent).orElseThrow();
        assertThat(built.success()).isFalse();
        assertThat(built.failureReason()).isEqualTo("build command exited with 3");
        assertThat(built.logTail()).contains("compiling", "syntax error");
        // The full build output stays readable until the job stops.
        assertThat(logs(jobId).get("/api/jobs/{id}/logs?source=build", jobId).asString()).contains("compiling", "syntax error");
        assertThat(first(jobId, AppStarted.class)).isEmpty();
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerRuntime.JOB_LABEL, jobId)).exec())
                .isEmpty();
        stopAndCheckClean(jobId);
    }

    @Test
    void aPrivateRepositoryWithoutCredentialsFailsWithTheRemotesRefusal() throws Exception {
        try (GitHttpServer privateGit = GitHttpServer.start("deployer", "s3cret-token")) {
            String url = privateGit.createRepository("private", Map.of("index.html", "private v1"));
            String jobId = "job-" + UUID.randomUUID();
            Jobs.request(jobId, war(url, List.of("python3 -m http.server 8000")));

            BuildCompleted built = await().atMost(Duration.ofSeconds(60)).until(() -> first(jobId, BuildCompleted.class),
                    Optional::isPresent).orElseThrow();
            assertThat(built.success()).isFalse();
            assertThat(built.failureReason()).contains(url).containsIgnoringCase("auth");
            assertThat(privateGit.refusedRequests()).isPositive();
            assertThat(privateGit.servedRequests()).isZero();
            assertThat(first(jobId, AppStarted.class)).isEmpty();
            stopAndCheckClean(jobId);
        }
    }

    @Test
    void aJobWhoseSecretsCannotBeReadFailsWithoutTouchingItsRepository() throws Exception {
        try (GitHttpServer privateGit = GitHttpServer.start("deployer", "s3cret-token")) {
            String url = privateGit.createRepository("unreadable", Map.of("index.html", "x"));
            String jobId = "job-" + UUID.randomUUID();
            JobSpec spec = war(url, List.of("python3 -m http.server 8000"));
            JobSpec withToken = new JobSpec(spec.kind(), spec.alias(), spec.image(),
                    new VcsSource(url, "main", "deployer", "vcs.token", 30), spec.commands(), spec.env(), List.of("API_KEY"),
                    spec.port(), spec.resources(), spec.restartPolicy(), spec.healthCheck(), spec.targetNodes(),
                    spec.targetNodeCount(), spec.nodeTags(), spec.durationEpochs(), null, null, null, null);
            Jobs.request(jobId, withToken);

            // project-svc has no secrets of this job (the stand-in was given none): the gateway cannot hand them over.
            AppFailed failed = await().atMost(Duration.ofSeconds(60)).until(() -> first(jobId, AppFailed.class),
                    Optional::isPresent).orElseThrow();
            assertThat(failed.reason()).startsWith("deployment failed: ").contains("secrets").contains("JOB_NOT_FOUND");
            assertThat(privateGit.refusedRequests() + privateGit.servedRequests()).isZero();
            stopAndCheckClean(jobId);
        }
    }
}
