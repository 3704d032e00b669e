package io.deeploy.builder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.events.Event;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.BuildCompleted;
import io.deeploy.events.payload.BuildStarted;
import io.deeploy.events.payload.HealthCheck;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.Resources;
import io.deeploy.events.payload.VcsSource;
import io.deeploy.outbox.testing.KafkaEvents;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Worker App Runner job on this agent against real parts: a git daemon on loopback, the Docker engine with the
 * locally built python image, Kafka and PostgreSQL.
 */
@QuarkusTest
class WarDeployIT {

    static KafkaEvents kafka;
    static GitDaemon git;

    @Inject
    DockerClient docker;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaEvents.fromEnvironment();
        git = GitDaemon.start();
    }

    @AfterAll
    static void close() {
        kafka.close();
        git.close();
    }

    static JobSpec war(String repoUrl, List<String> commands) {
        return new JobSpec(JobKind.WAR, "web", "local/python:bookworm", new VcsSource(repoUrl, "main", null, null, 30), commands,
                Map.of("GREETING", "hi"), List.of(), 8000, new Resources(500, 256, 0), "always",
                new HealthCheck(HealthCheck.Mode.HTTP, "/", 0, 60, 5), List.of(), 1, List.of(), 30);
    }

    static <T> Optional<T> first(String jobId, Class<T> type) {
        return kafka.eventsWithKey(Topics.JOB_EVENTS, jobId).stream().map(Event::payload).filter(type::isInstance).map(type::cast)
                .findFirst();
    }

    static String get(int port) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    @Test
    void aRepositoryIsClonedBuiltRunHealthCheckedAndRemovedOnStop() throws Exception {
        String repo = "app" + UUID.randomUUID().toString().substring(0, 8);
        String url = git.createRepository(repo, Map.of("index.html", "hello v1"));
        String jobId = "job-" + UUID.randomUUID();
        kafka.publish(Event.of(new NodeSelected(jobId, List.of(BuilderIT.NODE), List.of(), 1, "it",
                war(url, List.of("test -f index.html", "echo built-$GREETING > built.txt", "python3 -m http.server 8000")))));

        AppStarted started = await().atMost(Duration.ofSeconds(120)).until(() -> first(jobId, AppStarted.class), Optional::isPresent)
                .orElseThrow();
        assertThat(get(started.port())).isEqualTo("hello v1");
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

        kafka.publish(Event.of(new JobStopRequested(jobId, "owner")));
        await().atMost(Duration.ofSeconds(60)).until(() -> first(jobId, JobStopped.class).isPresent());
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerRuntime.JOB_LABEL, jobId)).exec())
                .isEmpty();
    }

    @Test
    void aFailingBuildIsReportedWithItsExitCodeAndLogTail() throws Exception {
        String repo = "broken" + UUID.randomUUID().toString().substring(0, 8);
        String url = git.createRepository(repo, Map.of("index.html", "never served"));
        String jobId = "job-" + UUID.randomUUID();
        kafka.publish(Event.of(new NodeSelected(jobId, List.of(BuilderIT.NODE), List.of(), 1, "it",
                war(url, List.of("echo compiling && echo 'syntax error' >&2 && exit 3", "python3 -m http.server 8000")))));

        BuildCompleted built = await().atMost(Duration.ofSeconds(120)).until(() -> first(jobId, BuildCompleted.class),
                Optional::isPresent).orElseThrow();
        assertThat(built.success()).isFalse();
        assertThat(built.failureReason()).isEqualTo("build command exited with 3");
        assertThat(built.logTail()).contains("compiling", "syntax error");
        assertThat(first(jobId, AppStarted.class)).isEmpty();
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerRuntime.JOB_LABEL, jobId)).exec())
                .isEmpty();
    }
}
