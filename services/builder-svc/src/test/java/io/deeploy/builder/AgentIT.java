package io.deeploy.builder;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import com.github.dockerjava.api.DockerClient;
import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.events.Topics;
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
import io.deeploy.outbox.testing.GitDaemon;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The node agent against the real scheduler-svc (its gateway), Kafka, PostgreSQL and Docker engine of the test instance:
 * it registers by its heartbeats, runs what is allocated to it, and stops and confirms what is not.
 */
@QuarkusTest
@QuarkusTestResource(TestPlatform.class)
class AgentIT {

    @Inject
    DockerClient docker;

    /** A container app that serves a file volume with python's http.server. */
    static JobSpec site(String content) {
        return new JobSpec(JobKind.CAR, "site", "local/python:bookworm", null, List.of("cd /site && python3 -m http.server 8000"),
                Map.of(), List.of(), 8000, new Resources(1500, 128, 0), "always", new HealthCheck(HealthCheck.Mode.HTTP, "/", 0, 60, 5),
                List.of(), 1, List.of(), 30, List.of(), List.of(new FileVolume("index", "/site/index.html", content)), null, null);
    }

    @Test
    void readinessIncludesTheDockerEngine() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.name", hasItem("Docker engine"))
                .body("checks.find { it.name == 'Docker engine' }.status", equalTo("UP"));
    }

    @Test
    void theRegistryKnowsTheNodeByItsSignedHeartbeats() {
        await().atMost(Duration.ofSeconds(30)).until(() -> given().get(Jobs.schedulerUrl("/api/nodes/" + TestPlatform.NODE))
                .statusCode() == 200);
        given().get(Jobs.schedulerUrl("/api/nodes/" + TestPlatform.NODE)).then()
                .body("state", equalTo("READY")).body("status", equalTo("ACTIVE")).body("address", equalTo("127.0.0.1"))
                .body("capacity.cpuMillis", equalTo(4000)).body("capacity.memoryMb", equalTo(8192)).body("tags.CT", equalTo("FR"));
        given().get("/api/node").then().body("heartbeatAccepted", equalTo(true)).body("gatewayRefusal", equalTo(null));
    }

    @Test
    void anAllocatedJobRunsAndItsStopIsConfirmedOnceWithNothingLeft() throws Exception {
        String jobId = "job-" + UUID.randomUUID();
        var started = Jobs.deployAndAwaitStart(jobId, site("allocated"));
        assertThat(Jobs.get(started.port())).isEqualTo("allocated");
        // The report's node and host are the gateway's, the alias the job's own.
        assertThat(started.nodeId()).isEqualTo(TestPlatform.NODE);
        assertThat(started.host()).isEqualTo("127.0.0.1");
        assertThat(started.alias()).isEqualTo("site");
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get(Jobs.schedulerUrl("/api/nodes/" + TestPlatform.NODE))
                .then().extract().<List<String>>path("runningJobs").contains(jobId));

        Jobs.stop(jobId);
        Jobs.stop(jobId);
        await().atMost(Duration.ofSeconds(60)).until(() -> !Jobs.all(jobId, JobStopped.class).isEmpty());
        // Both stop requests consumed by the scheduler; the agent's confirmation comes through the gateway, so a second
        // one would follow within its next report: a few seconds are left for it.
        Jobs.kafka().awaitConsumed("scheduler-svc", Topics.JOB_COMMANDS, Duration.ofSeconds(30));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(8)).until(() -> Jobs.all(jobId, JobStopped.class).size() == 1);
        assertThat(Jobs.first(jobId, JobStopped.class).orElseThrow().nodeId()).isEqualTo(TestPlatform.NODE);
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerRuntime.JOB_LABEL, jobId)).exec())
                .isEmpty();
        await().atMost(Duration.ofSeconds(20)).until(() -> !given().get("/api/node").then().extract()
                .<List<String>>path("allocations.jobId").contains(jobId));
    }

    /**
     * A revision that never serves leaves the serving one as it was, its file volumes included: the new revision's
     * files are written before its container starts, and must not change what the serving container reads.
     */
    @Test
    void aRevisionThatFailsToStartLeavesTheServingOneItsFileVolumes() throws Exception {
        String jobId = "job-" + UUID.randomUUID();
        var serving = Jobs.deployAndAwaitStart(jobId, site("first revision"));
        assertThat(Jobs.get(serving.port())).isEqualTo("first revision");

        JobSpec second = site("second revision");
        JobSpec failing = new JobSpec(second.kind(), second.alias(), second.image(), null, List.of("cd /site && exit 3"),
                Map.of(), List.of(), 8000, second.resources(), "no", new HealthCheck(HealthCheck.Mode.HTTP, "/", 0, 10, 5),
                List.of(), 1, List.of(), 30, List.of(), second.fileVolumes(), null, null).withRevision(1);
        Jobs.revise(jobId, failing);
        await().atMost(Duration.ofSeconds(60)).until(() -> Jobs.first(jobId, AppFailed.class).isPresent());
        assertThat(Jobs.get(serving.port())).isEqualTo("first revision");
        assertThat(Jobs.all(jobId, AppStarted.class)).hasSize(1);
        Jobs.stopAndCheckClean(docker, jobId);
    }

    /** A stop during a long build does not wait for it: the build container is removed at once and the stop confirmed. */
    @Test
    void aStopDuringABuildCutsItShortAndIsConfirmed() throws Exception {
        try (GitDaemon git = GitDaemon.start()) {
            String url = git.createRepository("slow" + UUID.randomUUID().toString().substring(0, 8), Map.of("index.html", "x"));
            String jobId = "job-" + UUID.randomUUID();
            JobSpec slow = new JobSpec(JobKind.WAR, "slow", "local/python:bookworm", new VcsSource(url, "main", null, null, 3600),
                    List.of("sleep 600", "python3 -m http.server 8000"), Map.of(), List.of(), 8000, new Resources(500, 128, 0),
                    "always", null, List.of(), 1, List.of(), 30, List.of(), List.of(), null, null);
            Jobs.request(jobId, slow);
            await().atMost(Duration.ofSeconds(60)).until(() -> Jobs.first(jobId, BuildStarted.class).isPresent());
            long stopped = System.nanoTime();
            Jobs.stop(jobId);
            await().atMost(Duration.ofSeconds(60)).until(() -> Jobs.first(jobId, JobStopped.class).isPresent());
            assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(Duration.ofSeconds(60));
            // Nothing but the stop is announced once the job is to stop: the cut build is no news to anyone.
            assertThat(Jobs.all(jobId, BuildCompleted.class)).isEmpty();
            assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerRuntime.JOB_LABEL, jobId)).exec())
                    .isEmpty();
        }
    }
}
