package io.deeploy.builder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.builder.config.TunnelConfig;
import io.deeploy.events.Event;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.AppFailed;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.HealthCheck;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.Resources;
import io.deeploy.events.payload.TunnelFailed;
import io.deeploy.events.payload.TunnelReady;
import io.deeploy.events.payload.TunnelSettings;
import io.deeploy.outbox.testing.KafkaEvents;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A job that asks for a Cloudflare tunnel on a node without cloudflared (as on every machine these tests run on): the
 * app is deployed and serves on its port for the built-in ingress all the same, and the job is told why it has no
 * tunnel URL.
 */
@QuarkusTest
class TunnelIT {

    static KafkaEvents kafka;

    @Inject
    TunnelConfig tunnels;

    @Inject
    DockerClient docker;

    @BeforeAll
    static void connect() {
        kafka = KafkaEvents.fromEnvironment();
    }

    @AfterAll
    static void close() {
        kafka.close();
    }

    static <T> List<T> all(String jobId, Class<T> type) {
        return kafka.eventsWithKey(Topics.JOB_EVENTS, jobId).stream().map(Event::payload).filter(type::isInstance).map(type::cast)
                .toList();
    }

    @Test
    void withoutTheEngineTheAppServesThroughTheIngressAndTheJobSaysWhy() throws Exception {
        assertThat(Path.of(tunnels.cloudflaredPath())).doesNotExist();
        String jobId = "job-" + UUID.randomUUID();
        JobSpec spec = new JobSpec(JobKind.CAR, "tunnelled", "local/python:bookworm", null,
                List.of("mkdir -p /srv && echo tunnelled > /srv/index.html && exec python3 -m http.server 8000 --directory /srv"),
                Map.of(), List.of(), 8000, new Resources(250, 128, 0), "always", new HealthCheck(HealthCheck.Mode.HTTP, "/", 0, 60, 5),
                List.of(), 1, List.of(), 30, null, null, new TunnelSettings(TunnelSettings.CLOUDFLARE, null, null), null);
        Jobs.request(jobId, spec);

        AppStarted started = await().atMost(Duration.ofSeconds(120)).until(() -> all(jobId, AppStarted.class), l -> !l.isEmpty()).get(0);
        assertThat(started.host()).isEqualTo("127.0.0.1");
        assertThat(Jobs.get(started.port())).isEqualTo("tunnelled\n");

        TunnelFailed failed = await().atMost(Duration.ofSeconds(30)).until(() -> all(jobId, TunnelFailed.class), l -> !l.isEmpty())
                .get(0);
        assertThat(failed.nodeId()).isEqualTo(TestPlatform.NODE);
        assertThat(failed.engine()).isEqualTo("cloudflare");
        assertThat(failed.reason()).contains(tunnels.cloudflaredPath(), "deeploy.tunnel.cloudflared-path", "No such file");

        // The agent keeps trying (every 300 ms, doubling, in the test profile) but tells the job once, not at every try.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).until(() -> all(jobId, TunnelFailed.class).size() == 1);
        assertThat(all(jobId, TunnelReady.class)).isEmpty();
        assertThat(all(jobId, AppFailed.class)).isEmpty();
        assertThat(all(jobId, AppStarted.class)).hasSize(1);
        assertThat(Jobs.get(started.port())).isEqualTo("tunnelled\n");

        Jobs.stop(jobId);
        await().atMost(Duration.ofSeconds(60)).until(() -> !all(jobId, JobStopped.class).isEmpty());
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerRuntime.JOB_LABEL, jobId)).exec())
                .isEmpty();
    }
}
