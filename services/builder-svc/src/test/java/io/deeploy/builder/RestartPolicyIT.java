package io.deeploy.builder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import io.deeploy.events.payload.AppFailed;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.HealthCheck;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.Resources;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The seed's restart policies, each with an app that serves a few seconds and then exits with a chosen code: "always"
 * starts it again after a clean exit, "on-failure" only after a failing one, "no" never. Every exit is reported
 * (AppFailed with its code) whatever the policy.
 */
@QuarkusTest
class RestartPolicyIT {

    @Inject
    DockerClient docker;

    static JobSpec exiting(String alias, String policy, int code) {
        return new JobSpec(JobKind.CAR, alias, "local/python:bookworm", null,
                List.of("python3 -m http.server 8000 & sleep 5; exit " + code), Map.of(), List.of(), 8000,
                new Resources(250, 128, 0), policy, new HealthCheck(HealthCheck.Mode.TCP, null, 0, 30, 10), List.of(), 1,
                List.of(), 30, null, null, null, null);
    }

    @Test
    void eachPolicyRestartsOnTheExitsItNames() {
        Map<String, JobSpec> jobs = Map.of(
                "job-" + UUID.randomUUID(), exiting("always-0", "always", 0),
                "job-" + UUID.randomUUID(), exiting("onfail-0", "on-failure", 0),
                "job-" + UUID.randomUUID(), exiting("onfail-3", "on-failure", 3),
                "job-" + UUID.randomUUID(), exiting("no-3", "no", 3));
        jobs.forEach(Jobs::request);
        jobs.keySet().forEach(jobId -> await().atMost(Duration.ofSeconds(60)).until(() -> Jobs.first(jobId, AppStarted.class),
                java.util.Optional::isPresent));
        // Each exits once after about five seconds; the restarted ones start again (after 500 ms in the test profile).
        jobs.keySet().forEach(jobId -> await().atMost(Duration.ofSeconds(40)).until(() -> Jobs.first(jobId, AppFailed.class),
                java.util.Optional::isPresent));
        for (var job : jobs.entrySet()) {
            String jobId = job.getKey();
            String alias = job.getValue().alias();
            AppFailed exit = Jobs.first(jobId, AppFailed.class).orElseThrow();
            assertThat(exit.reason()).as(alias).isEqualTo("app exited with code " + (alias.endsWith("-0") ? 0 : 3));
            boolean restarts = alias.equals("always-0") || alias.equals("onfail-3");
            if (restarts) {
                await(alias + " started again").atMost(Duration.ofSeconds(30))
                        .until(() -> Jobs.all(jobId, AppStarted.class).size() >= 2);
            }
        }
        // The others stay down: one start, one exit, no container. (Each look reads the topic, which takes a while on a
        // loaded machine: the window is generous.)
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(20)).until(() -> jobs.entrySet().stream()
                .filter(job -> job.getValue().alias().equals("onfail-0") || job.getValue().alias().equals("no-3"))
                .allMatch(job -> Jobs.all(job.getKey(), AppStarted.class).size() == 1));
        jobs.forEach((jobId, spec) -> {
            if (spec.alias().equals("onfail-0") || spec.alias().equals("no-3")) {
                assertThat(docker.listContainersCmd().withShowAll(true)
                        .withLabelFilter(Map.of("deeploy.job", jobId, "deeploy.role", "app")).exec()).as(spec.alias()).isEmpty();
            }
        });
        jobs.keySet().forEach(jobId -> Jobs.stopAndCheckClean(docker, jobId));
    }
}
