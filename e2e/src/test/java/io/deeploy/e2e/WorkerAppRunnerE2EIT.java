package io.deeploy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.client.DeeployClient;
import io.deeploy.client.LogLine;
import io.deeploy.events.EventCodec;
import io.deeploy.outbox.testing.GitDaemon;
import io.deeploy.outbox.testing.GitHttpServer;
import io.deeploy.outbox.testing.KafkaEvents;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Worker App Runner story through the whole platform: a Git repository on a git server becomes an app at a URL
 * of the ingress; a pushed commit changes what the URL serves with no failed request in between; a commit that breaks
 * the build leaves the last good version serving and says why on the job; stopping the job leaves nothing behind.
 */
class WorkerAppRunnerE2EIT {

    static Platform platform;
    static GitDaemon git;

    @BeforeAll
    static void start() throws Exception {
        git = GitDaemon.start();
        platform = Platform.shared();
    }

    @AfterAll
    static void stop() {
        if (git != null) {
            git.close();
        }
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return EventCodec.mapper().readTree(response.body());
    }

    JsonNode job(String jobId) throws Exception {
        return json(platform.apiGet("/api/jobs/" + jobId));
    }

    /** Creates a project of its own and in it the job {@code body}; returns the 201 answer. */
    HttpResponse<String> createJob(String body) throws Exception {
        String projectId = json(platform.apiPost("/api/projects",
                "{\"name\":\"e2e-" + UUID.randomUUID() + "\"}", UUID.randomUUID().toString())).path("id").asText();
        HttpResponse<String> created = platform.apiPost("/api/projects/" + projectId + "/jobs", body,
                UUID.randomUUID().toString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return created;
    }

    /** Waits until the job is RUNNING (failing early if it FAILED) and its URL serves {@code page}; returns the URL. */
    String awaitServing(String jobId, String page) throws Exception {
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            JsonNode job = job(jobId);
            assertThat(job.path("state").asText()).as(job.toString()).isNotEqualTo("FAILED");
            return "RUNNING".equals(job.path("state").asText()) && !job.path("url").isNull();
        });
        String url = job(jobId).path("url").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> platform.serve(url).equals(page));
        return url;
    }

    /**
     * A live job through the lifecycle API, all five services and the real ingress: edited, rolled back to an earlier
     * commit (which pauses auto-deploy), resumed; each a new revision served at the same URL while a client polling it
     * sees no failed request.
     */
    @Test
    void aLiveJobIsEditedRolledBackAndResumedAtTheSameUrlWithoutDowntime() throws Exception {
        String repo = "life" + UUID.randomUUID().toString().substring(0, 8);
        String repoUrl = git.createRepository(repo, Map.of("index.html", "v1"));
        String alias = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
        String jobId = json(createJob(platform.pythonSiteJob(alias, repoUrl, "true"))).path("id").asText();
        String url = awaitServing(jobId, "v1");
        String c1 = job(jobId).path("runningCommit").asText();
        String c2 = git.commit(repo, Map.of("index.html", "v2"), "v2");
        await().atMost(Duration.ofSeconds(90)).until(() -> platform.serve(url).equals("v2"));

        UrlWatch watch = new UrlWatch(platform, url, page -> page.matches("v[123]"));

        // Edited: the new build command runs in revision 1, served at the same URL.
        HttpResponse<String> edited = platform.api("PATCH", "/api/jobs/" + jobId,
                "{\"commands\":[\"echo edited > edited.html\",\"python3 -m http.server 8000\"]}", UUID.randomUUID().toString());
        assertThat(edited.statusCode()).as(edited.body()).isEqualTo(200);
        assertThat(json(edited).path("spec").path("revision").asInt()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(90)).until(() -> platform.serve(url + "edited.html").equals("edited\n"));
        await().atMost(Duration.ofSeconds(20)).until(() -> job(jobId).path("runningRevision").asInt() == 1);
        assertThat(platform.serve(url)).isEqualTo("v2");

        // Rolled back to the first commit: served, and a new commit is not deployed while it is pinned.
        HttpResponse<String> rolledBack = platform.apiPost("/api/jobs/" + jobId + "/rollback", "{\"commit\":\"" + c1 + "\"}",
                UUID.randomUUID().toString());
        assertThat(rolledBack.statusCode()).as(rolledBack.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(90)).until(() -> platform.serve(url).equals("v1"));
        git.commit(repo, Map.of("index.html", "v3"), "v3");
        await().during(Duration.ofSeconds(15)).atMost(Duration.ofSeconds(25)).until(() -> platform.serve(url).equals("v1"));
        assertThat(job(jobId).path("runningCommit").asText()).isEqualTo(c1);

        // Resumed: the branch's head is deployed.
        HttpResponse<String> resumed = platform.apiPost("/api/jobs/" + jobId + "/resume", "", UUID.randomUUID().toString());
        assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(90)).until(() -> platform.serve(url).equals("v3"));
        watch.close();
        assertThat(watch.failed()).as("failed requests during the revisions, last: %s", watch.lastFailure()).isZero();
        assertThat(job(jobId).path("url").asText()).isEqualTo(url);

        JsonNode versions = json(platform.apiGet("/api/jobs/" + jobId + "/versions"));
        assertThat(versions.path("revision").asInt()).isEqualTo(3);
        assertThat(versions.path("revisions").findValuesAsText("reason")).hasSize(4);
        assertThat(versions.path("served").findValuesAsText("version")).contains(c1, c2);
        assertThat(platform.apiPost("/api/jobs/" + jobId + "/stop", "", null).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(60)).until(() -> "STOPPED".equals(job(jobId).path("state").asText()));
    }

    @Test
    void aRepositoryBecomesALiveAppThatFollowsItsCommitsWithoutDowntime() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() ->
                Platform.get(platform.url("scheduler-svc", "/api/nodes/" + platform.nodeId)).statusCode() == 200);
        String repo = "site" + UUID.randomUUID().toString().substring(0, 8);
        String repoUrl = git.createRepository(repo, Map.of("index.html", "v1"));

        String alias = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
        long requested = System.nanoTime();
        String jobId = json(createJob(platform.pythonSiteJob(alias, repoUrl, "echo building && test ! -f broken")))
                .path("id").asText();
        String url = awaitServing(jobId, "v1");
        System.out.printf("e2e: request-to-live %d ms%n", (System.nanoTime() - requested) / 1_000_000);
        assertThat(url).isEqualTo("http://" + alias + ".apps.localhost:" + platform.ingressPort + "/");
        // Its build's and its app's output through the platform's API (here through the Java SDK), sent there by the
        // node's agent: the user needs no node's address (the app's server logs each request it answers).
        DeeployClient sdk = platform.client();
        await().atMost(Duration.ofSeconds(30)).until(() -> sdk.logs(jobId, "build", 200).stream()
                .anyMatch(line -> line.text().equals("building") && line.node().equals(platform.nodeId)));
        await().atMost(Duration.ofSeconds(30)).until(() -> sdk.logs(jobId, "app", 200).stream()
                .anyMatch(line -> line.text().contains("\"GET / HTTP/1.1\" 200")));

        // A client polls the URL throughout the redeploy; not one request may fail.
        UrlWatch watch = new UrlWatch(platform, url, page -> page.equals("v1") || page.equals("v2"));
        long pushed = System.nanoTime();
        String c2 = git.commit(repo, Map.of("index.html", "v2"), "v2");
        await().atMost(Duration.ofSeconds(90)).until(() -> platform.serve(url).equals("v2"));
        System.out.printf("e2e: commit-to-live (poll) %d ms%n", (System.nanoTime() - pushed) / 1_000_000);
        Thread.sleep(5000);
        watch.close();
        assertThat(watch.failed()).as("failed requests during the redeploy, last: %s", watch.lastFailure()).isZero();
        assertThat(watch.served()).isGreaterThan(50);
        await().atMost(Duration.ofSeconds(20)).until(() -> c2.equals(job(jobId).path("runningCommit").asText()));

        // A commit that breaks the build: v2 keeps serving and the job says why.
        git.commit(repo, Map.of("index.html", "v3", "broken", "yes"), "breaks the build");
        await().atMost(Duration.ofSeconds(90)).until(() -> job(jobId).path("lastError").asText("").contains("failed"));
        JsonNode failedJob = job(jobId);
        assertThat(failedJob.path("state").asText()).isEqualTo("RUNNING");
        assertThat(failedJob.path("runningCommit").asText()).isEqualTo(c2);
        assertThat(failedJob.path("lastError").asText()).contains("build command exited with 1");
        assertThat(platform.serve(url)).isEqualTo("v2");

        // Stop: the job reaches STOPPED, the URL has no route, the node has no container of it.
        HttpResponse<String> stop = platform.apiPost("/api/jobs/" + jobId + "/stop", "", null);
        assertThat(stop.statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(60)).until(() -> "STOPPED".equals(job(jobId).path("state").asText()));
        // Following the stopped job's log gives what it kept and ends.
        List<LogLine> followed = new java.util.ArrayList<>();
        assertThat(sdk.followLogs(jobId, "build", 50, followed::add)).isEqualTo(followed.size()).isPositive();
        assertThat(followed).extracting(LogLine::text).contains("building");
        await().atMost(Duration.ofSeconds(20)).until(() -> platform.serve(url).equals("HTTP 404"));
        // The node's agent confirmed the stop and no longer follows the job.
        await().atMost(Duration.ofSeconds(20)).until(() -> !json(Platform.get(platform.url("builder-svc", "/api/node")))
                .path("allocations").findValuesAsText("jobId").contains(jobId));
        Process docker = new ProcessBuilder("docker", "ps", "-aq", "--filter", "label=deeploy.job=" + jobId)
                .redirectErrorStream(true).start();
        String containers = new String(docker.getInputStream().readAllBytes()).strip();
        assertThat(docker.waitFor()).isZero();
        assertThat(containers).isEmpty();
    }

    /**
     * A private repository over authenticated HTTP: the token and a secret env value are given once, kept encrypted by
     * project-svc, read by the node's agent, used to clone, poll and run, and found in no log line and no event (a build
     * that prints the value has it masked in the job's log on the platform); nor are
     * the project API token the job is created with or the log grant its build log is read with.
     */
    @Test
    void aPrivateRepositoryIsDeployedAndFollowedWithItsTokenInNoLogAndNoEvent() throws Exception {
        String token = LeakScan.secret("ghp_" + UUID.randomUUID().toString().replace("-", ""));
        String appSecret = LeakScan.secret("s3cret-" + UUID.randomUUID());
        String appSecretSha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(appSecret.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try (GitHttpServer privateGit = GitHttpServer.start("deployer", token);
                KafkaEvents kafka = KafkaEvents.fromEnvironment()) {
            String repoUrl = privateGit.createRepository("private", Map.of("index.html", "private v1"));
            String alias = "priv-" + UUID.randomUUID().toString().substring(0, 8);
            // The build proves the app's environment holds the secret by its hash, so the value never enters the job.
            String body = EventCodec.mapper().writeValueAsString(Map.of(
                    "alias", alias, "kind", "WAR", "image", "local/python:bookworm",
                    "repository", Map.of("url", repoUrl, "username", "deployer", "token", token, "pollIntervalSeconds", 5),
                    "secretEnv", Map.of("APP_SECRET", appSecret),
                    "commands", List.of("echo \"the build prints APP_SECRET=$APP_SECRET\"",
                            "test \"$(printf %s \"$APP_SECRET\" | sha256sum | cut -c1-64)\" = " + appSecretSha,
                            "python3 -m http.server 8000"),
                    "port", 8000, "resources", Map.of("cpu", 0.5, "memoryMb", 256),
                    "healthCheck", Map.of("mode", "http", "path", "/"), "targetNodes", List.of(platform.nodeId)));
            // As a CI script would: the owner makes a project API token once (signed), the script deploys with it.
            String projectId = json(platform.apiPost("/api/projects", "{\"name\":\"e2e-" + UUID.randomUUID() + "\"}",
                    UUID.randomUUID().toString())).path("id").asText();
            HttpResponse<String> issued = platform.apiPost("/api/projects/" + projectId + "/tokens",
                    "{\"name\":\"ci\",\"permissions\":[\"create\",\"redeem\"]}", UUID.randomUUID().toString());
            assertThat(issued.statusCode()).as(issued.body()).isEqualTo(201);
            String apiToken = LeakScan.secret(json(issued).path("token").asText());
            HttpResponse<String> created = Platform.HTTP.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(platform.url("project-svc", "/api/projects/" + projectId + "/jobs")))
                    .header("Authorization", "Bearer " + apiToken).header("Content-Type", "application/json")
                    .header("Idempotency-Key", UUID.randomUUID().toString())
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            assertThat(created.body()).doesNotContain(token).doesNotContain(appSecret);
            String jobId = json(created).path("id").asText();
            String url = awaitServing(jobId, "private v1");
            // The build prints its secret: the node masks it before the line leaves, so the platform's copy of the log
            // (read here through the SDK) never holds it.
            DeeployClient sdk = platform.client();
            await().atMost(Duration.ofSeconds(30)).until(() -> sdk.logs(jobId, "build", 200).stream()
                    .anyMatch(line -> line.text().equals("the build prints APP_SECRET=[secret]")));
            assertThat(sdk.logs(jobId, "build", 200)).noneMatch(line -> line.text().contains(appSecret));

            // The app's log (python's request lines) is the owner's to read, through a short-lived grant the node's
            // agent checks.
            String grant = LeakScan.secret(json(platform.apiGet("/api/jobs/" + jobId + "/log-grant")).path("grant")
                    .asText());
            String logs = platform.url("builder-svc", "/api/jobs/" + jobId + "/logs?source=app");
            assertThat(Platform.get(logs).statusCode()).isEqualTo(401);
            HttpResponse<String> appLog = Platform.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(logs))
                    .header("Authorization", "Bearer " + grant).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(appLog.statusCode()).as(appLog.body()).isEqualTo(200);
            assertThat(appLog.body()).contains("GET / ").doesNotContain(token).doesNotContain(appSecret);

            // The watcher polls the private branch with the same credentials.
            privateGit.commit("private", Map.of("index.html", "private v2"), "v2");
            await().atMost(Duration.ofSeconds(90)).until(() -> platform.serve(url).equals("private v2"));
            assertThat(privateGit.servedRequests()).isPositive();

            platform.apiPost("/api/jobs/" + jobId + "/stop", "", null);
            await().atMost(Duration.ofSeconds(60)).until(() -> "STOPPED".equals(job(jobId).path("state").asText()));

            assertThat(platform.logs()).doesNotContain(token).doesNotContain(appSecret).doesNotContain(apiToken)
                    .doesNotContain(grant);
            for (String topic : io.deeploy.events.Topics.declared().keySet()) {
                assertThat(kafka.records(topic, record -> true)).as(topic).allSatisfy(record ->
                        assertThat(record.value()).doesNotContain(token).doesNotContain(appSecret).doesNotContain(apiToken)
                                .doesNotContain(grant));
            }
        }
    }

    /**
     * The node agent crashes and comes back: apps keep serving while it is down, the restarted agent adopts the running
     * container instead of rebuilding, goes on watching the branch, and can still stop the job.
     */
    @Test
    void aRestartedAgentAdoptsItsRunningAppsAndGoesOnFollowingThem() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() ->
                Platform.get(platform.url("scheduler-svc", "/api/nodes/" + platform.nodeId)).statusCode() == 200);
        String repo = "crash" + UUID.randomUUID().toString().substring(0, 8);
        String repoUrl = git.createRepository(repo, Map.of("index.html", "before crash"));
        String alias = "crash-" + UUID.randomUUID().toString().substring(0, 8);
        String jobId = json(createJob(platform.pythonSiteJob(alias, repoUrl, "true"))).path("id").asText();
        String url = awaitServing(jobId, "before crash");

        UrlWatch watch = new UrlWatch(platform, url, "before crash"::equals);
        long crashed = System.nanoTime();
        platform.crashAndRestart("builder-svc");
        long backMillis = (System.nanoTime() - crashed) / 1_000_000;
        // Give the restarted agent time to reconcile; the app must serve all along.
        Thread.sleep(3000);
        watch.close();
        assertThat(watch.failed()).as("requests that failed while the agent was down (it was ready again after %d ms, last: %s)",
                backMillis, watch.lastFailure()).isZero();
        assertThat(platform.logs()).contains("job " + jobId + " adopted");
        assertThat(history(jobId)).as("no rebuild of the serving commit").filteredOn("BUILDING"::equals).hasSize(1);

        git.commit(repo, Map.of("index.html", "after crash"), "after crash");
        await().atMost(Duration.ofSeconds(90)).until(() -> platform.serve(url).equals("after crash"));

        platform.apiPost("/api/jobs/" + jobId + "/stop", "", null);
        await().atMost(Duration.ofSeconds(60)).until(() -> "STOPPED".equals(job(jobId).path("state").asText()));
        Process docker = new ProcessBuilder("docker", "ps", "-aq", "--filter", "label=deeploy.job=" + jobId)
                .redirectErrorStream(true).start();
        String containers = new String(docker.getInputStream().readAllBytes()).strip();
        assertThat(docker.waitFor()).isZero();
        assertThat(containers).isEmpty();
    }

    /** A Container App Runner job: an image with a command and a read-only file, served at its URL, then stopped. */
    @Test
    void anImageRunsAsAContainerAppAtItsUrl() throws Exception {
        String alias = "car-" + UUID.randomUUID().toString().substring(0, 8);
        String body = EventCodec.mapper().writeValueAsString(Map.of(
                "alias", alias, "kind", "CAR", "image", "local/python:bookworm",
                "commands", List.of("cd /site && python3 -m http.server 8000"),
                "fileVolumes", List.of(Map.of("name", "index", "mountPath", "/site/index.html", "content", "car v1")),
                "port", 8000, "resources", Map.of("cpu", 0.25, "memoryMb", 128),
                "healthCheck", Map.of("mode", "http", "path", "/"), "targetNodes", List.of(platform.nodeId)));
        String jobId = json(createJob(body)).path("id").asText();
        String url = awaitServing(jobId, "car v1");
        assertThat(job(jobId).path("runningCommit").asText()).isEqualTo("local/python:bookworm");

        platform.apiPost("/api/jobs/" + jobId + "/stop", "", null);
        await().atMost(Duration.ofSeconds(60)).until(() -> "STOPPED".equals(job(jobId).path("state").asText()));
        await().atMost(Duration.ofSeconds(20)).until(() -> platform.serve(url).equals("HTTP 404"));
    }

    /**
     * A Container App Runner job whose image is in a private registry (the test instance's, behind basic auth): the
     * password is given once, kept encrypted by project-svc, used by the node's agent to pull the image, and found in
     * no log line and no event.
     */
    @Test
    void anImageFromAPrivateRegistryIsPulledWithItsPasswordInNoLogAndNoEvent() throws Exception {
        String registry = System.getenv("DEEPLOY_REGISTRY");
        String user = System.getenv("DEEPLOY_REGISTRY_USER");
        String password = System.getenv("DEEPLOY_REGISTRY_PASSWORD");
        assertThat(registry).as("DEEPLOY_REGISTRY from infra/infra.sh env (./deeploy test sets it)").isNotBlank();
        assertThat(password).isNotBlank();
        LeakScan.secret(password);
        String image = registry + "/e2e/site:" + UUID.randomUUID().toString().substring(0, 8);
        // Push with a docker CLI config of its own, so no credentials are stored for the machine's user.
        java.nio.file.Path dockerConfig = java.nio.file.Files.createTempDirectory("e2e-docker-config");
        docker(dockerConfig, password, "login", "--username", user, "--password-stdin", registry);
        docker(dockerConfig, null, "tag", "local/python:bookworm", image);
        docker(dockerConfig, null, "push", image);
        // Gone from the engine, so the agent has to pull it.
        docker(dockerConfig, null, "rmi", image);

        try (KafkaEvents kafka = KafkaEvents.fromEnvironment()) {
            String alias = "reg-" + UUID.randomUUID().toString().substring(0, 8);
            String body = EventCodec.mapper().writeValueAsString(Map.of(
                    "alias", alias, "kind", "CAR", "image", image,
                    "registry", Map.of("server", registry, "username", user, "password", password),
                    "commands", List.of("cd /site && python3 -m http.server 8000"),
                    "fileVolumes", List.of(Map.of("name", "index", "mountPath", "/site/index.html", "content", "pulled v1")),
                    "port", 8000, "resources", Map.of("cpu", 0.25, "memoryMb", 128),
                    "healthCheck", Map.of("mode", "http", "path", "/"), "targetNodes", List.of(platform.nodeId)));
            HttpResponse<String> created = createJob(body);
            assertThat(created.body()).doesNotContain(password);
            String jobId = json(created).path("id").asText();
            String url = awaitServing(jobId, "pulled v1");
            assertThat(job(jobId).toString()).doesNotContain(password);

            platform.apiPost("/api/jobs/" + jobId + "/stop", "", null);
            await().atMost(Duration.ofSeconds(60)).until(() -> "STOPPED".equals(job(jobId).path("state").asText()));
            await().atMost(Duration.ofSeconds(20)).until(() -> platform.serve(url).equals("HTTP 404"));

            String basicAuth = LeakScan.secret(java.util.Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes()));
            assertThat(platform.logs()).doesNotContain(password).doesNotContain(basicAuth);
            for (String topic : io.deeploy.events.Topics.declared().keySet()) {
                assertThat(kafka.records(topic, record -> true)).as(topic).allSatisfy(record ->
                        assertThat(record.value()).doesNotContain(password).doesNotContain(basicAuth));
            }
        } finally {
            new ProcessBuilder("docker", "rmi", "-f", image).start().waitFor();
            new ProcessBuilder("rm", "-rf", dockerConfig.toString()).start().waitFor();
        }
    }

    /** Runs the docker CLI with {@code config} as its configuration directory; {@code stdin} is written to it. */
    static void docker(java.nio.file.Path config, String stdin, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("docker", "--config", config.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (stdin != null) {
            process.getOutputStream().write(stdin.getBytes());
        }
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as("docker " + args[0] + ": " + output).isZero();
    }

    /**
     * Failover across two edge nodes: the agent of the node running a job dies, the node is declared lost, the job is
     * placed on the other node and its URL serves from there; when the dead agent comes back it removes its stale
     * container instead of taking the job back.
     */
    @Test
    void aJobMovesToAnotherNodeWhenItsNodeIsLostAndTheStaleCopyIsRemovedOnReturn() throws Exception {
        String otherNode = "e2e-node-b-" + UUID.randomUUID().toString().substring(0, 8);
        String otherAgent = platform.startAgent(otherNode);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    Platform.get(platform.url("scheduler-svc", "/api/nodes/" + otherNode)).statusCode() == 200
                    && Platform.get(platform.url("scheduler-svc", "/api/nodes/" + platform.nodeId)).statusCode() == 200);
            String repo = "failover" + UUID.randomUUID().toString().substring(0, 8);
            String repoUrl = git.createRepository(repo, Map.of("index.html", "anywhere"));
            String alias = "fo-" + UUID.randomUUID().toString().substring(0, 8);
            String body = EventCodec.mapper().writeValueAsString(Map.of(
                    "alias", alias, "kind", "WAR", "image", "local/python:bookworm",
                    "repository", Map.of("url", repoUrl, "pollIntervalSeconds", 5),
                    "commands", List.of("python3 -m http.server 8000"), "port", 8000,
                    "resources", Map.of("cpu", 0.5, "memoryMb", 256), "healthCheck", Map.of("mode", "http", "path", "/"),
                    "targetNodeCount", 1));
            String jobId = json(createJob(body)).path("id").asText();
            String url = awaitServing(jobId, "anywhere");
            String first = job(jobId).path("nodes").get(0).asText();
            assertThat(first).isIn(platform.nodeId, otherNode);
            String second = first.equals(otherNode) ? platform.nodeId : otherNode;
            String firstAgent = first.equals(otherNode) ? otherAgent : "builder-svc";

            long killed = System.nanoTime();
            platform.kill(firstAgent);
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                JsonNode job = job(jobId);
                return "RUNNING".equals(job.path("state").asText()) && job.path("nodes").toString().contains(second);
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> platform.serve(url).equals("anywhere"));
            System.out.printf("e2e: agent killed to job running elsewhere %d ms%n", (System.nanoTime() - killed) / 1_000_000);
            assertThat(history(jobId)).contains("SCHEDULED");
            assertThat(job(jobId).path("history").findValuesAsText("reason")).anyMatch(r -> r.contains("failover")
                    && r.contains(first) && r.contains("lost"));

            // The dead agent returns: it sees the newer placement and removes its copy; the URL keeps serving.
            platform.relaunch(firstAgent);
            await().atMost(Duration.ofSeconds(60)).until(() -> containersOf(jobId, first).isEmpty());
            assertThat(containersOf(jobId, second)).isNotEmpty();
            assertThat(platform.serve(url)).isEqualTo("anywhere");
            assertThat(job(jobId).path("nodes").toString()).doesNotContain(first);

            platform.apiPost("/api/jobs/" + jobId + "/stop", "", null);
            await().atMost(Duration.ofSeconds(60)).until(() -> "STOPPED".equals(job(jobId).path("state").asText()));
        } finally {
            platform.kill(otherAgent);
            // Whichever agent was killed first is running again; the platform's own is needed by the other tests.
        }
    }

    static String containersOf(String jobId, String nodeId) throws Exception {
        Process docker = new ProcessBuilder("docker", "ps", "-q", "--filter", "label=deeploy.job=" + jobId,
                "--filter", "label=deeploy.node=" + nodeId).redirectErrorStream(true).start();
        String out = new String(docker.getInputStream().readAllBytes()).strip();
        assertThat(docker.waitFor()).isZero();
        return out;
    }

    List<String> history(String jobId) throws Exception {
        return job(jobId).path("history").findValuesAsText("to");
    }
}
