package io.deeploy.builder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
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
 * An app whose process lives on but stops answering its health check: checked at its check's interval after it was
 * announced, it fails three checks in a row, is reported (AppFailed, with the check named), and its container is replaced
 * under the job's restart policy by one that answers again.
 */
@QuarkusTest
class LivenessIT {

    @Inject
    DockerClient docker;

    /** Serves /healthz for twelve seconds after each start, then only 404s for it, while the process keeps running. */
    static JobSpec wilting(String alias, String restartPolicy) {
        return new JobSpec(JobKind.CAR, alias, "local/python:bookworm", null,
                List.of("mkdir -p /tmp/s; echo ok > /tmp/s/healthz; (sleep 12; rm /tmp/s/healthz) & cd /tmp/s && exec python3 -m http.server 8000"),
                Map.of(), List.of(), 8000, new Resources(250, 128, 0), restartPolicy,
                new HealthCheck(HealthCheck.Mode.HTTP, "/healthz", 0, 30, 1), List.of(), 1, List.of(), 30, null, null, null, null);
    }

    @Test
    void anAppThatStopsAnsweringItsHealthCheckIsReplaced() {
        String jobId = "job-" + UUID.randomUUID();
        AppStarted first = Jobs.deployAndAwaitStart(jobId, wilting("wilting", "on-failure"));

        // Healthy for its first seconds: checked every second, nothing said.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> Jobs.all(jobId, AppFailed.class).isEmpty());
        AppFailed failed = await().atMost(Duration.ofSeconds(40)).until(() -> Jobs.first(jobId, AppFailed.class),
                java.util.Optional::isPresent).orElseThrow();
        assertThat(failed.reason()).isEqualTo("health check (HTTP /healthz) failed 3 times in a row, every 1 s");
        assertThat(failed.nodeId()).isEqualTo(TestPlatform.NODE);
        // The container still ran (the process never exited): the agent replaced it.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try {
                docker.inspectContainerCmd(first.containerId()).exec();
                return false;
            } catch (NotFoundException gone) {
                return true;
            }
        });
        AppStarted second = await().atMost(Duration.ofSeconds(60)).until(() -> Jobs.all(jobId, AppStarted.class), l -> l.size() >= 2)
                .get(1);
        assertThat(second.containerId()).isNotEqualTo(first.containerId());

        Jobs.stopAndCheckClean(docker, jobId);
    }

    @Test
    void anUnhealthyAppUnderRestartPolicyNoStaysDown() {
        String jobId = "job-" + UUID.randomUUID();
        AppStarted started = Jobs.deployAndAwaitStart(jobId, wilting("wilting-no", "no"));
        await().atMost(Duration.ofSeconds(40)).until(() -> Jobs.first(jobId, AppFailed.class), java.util.Optional::isPresent);
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() -> Jobs.all(jobId, AppStarted.class).size() == 1);
        assertThat(Jobs.all(jobId, AppFailed.class)).hasSize(1);
        assertThat(docker.listContainersCmd().withShowAll(true).withIdFilter(List.of(started.containerId())).exec()).isEmpty();

        Jobs.stopAndCheckClean(docker, jobId);
    }
}
