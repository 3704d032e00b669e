package io.deeploy.builder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.events.Event;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpecChanged;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.node.Ed25519Keys;
import io.deeploy.node.LogGrant;
import io.deeploy.outbox.testing.KafkaEvents;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * What the agent's tests do as the rest of the platform would: request a job for this node and stop it (as project-svc
 * does, on job-commands), read the job's events (as the node gateway publishes them on job-events), make log grants
 * (as project-svc issues them), and read the scheduler's registry.
 */
final class Jobs {

    private static KafkaEvents kafka;

    private Jobs() {
    }

    static synchronized KafkaEvents kafka() {
        if (kafka == null) {
            kafka = KafkaEvents.fromEnvironment();
        }
        return kafka;
    }

    /** The spec, placed on this test's node. */
    static JobSpec onThisNode(JobSpec spec) {
        return new JobSpec(spec.kind(), spec.alias(), spec.image(), spec.vcs(), spec.commands(), spec.env(), spec.secretEnvNames(),
                spec.port(), spec.resources(), spec.restartPolicy(), spec.healthCheck(), List.of(TestPlatform.NODE), 1,
                spec.nodeTags(), spec.durationEpochs(), spec.volumes(), spec.fileVolumes(), spec.tunnel(), spec.registry(), spec.egress(),
                spec.revision());
    }

    /** A new revision of the job's spec, as project-svc announces an edit, a restart or a rollback. */
    static void revise(String jobId, JobSpec spec) {
        kafka().publish(Event.of(new JobSpecChanged(jobId, onThisNode(spec), "revision " + spec.revision())));
    }

    static void request(String jobId, JobSpec spec) {
        kafka().publish(Event.of(new JobRequested(jobId, "prj-it", "0x00000000000000000000000000000000000000aa", onThisNode(spec))));
    }

    static void stop(String jobId) {
        kafka().publish(Event.of(new JobStopRequested(jobId, "owner")));
    }

    /** The job's events of one type on the job topic, in order. */
    static <T> List<T> all(String jobId, Class<T> type) {
        return kafka().eventsWithKey(Topics.JOB_EVENTS, jobId).stream().map(Event::payload).filter(type::isInstance)
                .map(type::cast).toList();
    }

    static <T> Optional<T> first(String jobId, Class<T> type) {
        return all(jobId, type).stream().findFirst();
    }

    /** Requests the job on this node and waits for its app to pass the health check. */
    static AppStarted deployAndAwaitStart(String jobId, JobSpec spec) {
        request(jobId, spec);
        return await().atMost(Duration.ofSeconds(120)).until(() -> all(jobId, AppStarted.class), l -> !l.isEmpty()).get(0);
    }

    /** Stops the job and checks that its stop is confirmed once and nothing of it is left in the engine. */
    static void stopAndCheckClean(DockerClient docker, String jobId) {
        stop(jobId);
        await().atMost(Duration.ofSeconds(60)).until(() -> first(jobId, JobStopped.class).isPresent());
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerRuntime.JOB_LABEL, jobId)).exec())
                .isEmpty();
    }

    /** A log grant for the job, as project-svc issues it to whoever may read the job. */
    static String grant(String jobId, Instant expiresAt) {
        try {
            return LogGrant.issue(Ed25519Keys.loadOrCreate(TestPlatform.GRANT_KEY).getPrivate(), jobId, expiresAt);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A request to the agent that carries a log grant for {@code jobId}. */
    static RequestSpecification logs(String jobId) {
        return RestAssured.given().header("Authorization", "Bearer " + grant(jobId, Instant.now().plusSeconds(300)));
    }

    static String schedulerUrl(String path) {
        return ConfigProvider.getConfig().getValue("deeploy.test.scheduler-url", String.class) + path;
    }

    static String projectUrl(String path) {
        return ConfigProvider.getConfig().getValue("deeploy.test.project-url", String.class) + path;
    }

    static String get(int port) throws Exception {
        return get(port, "/");
    }

    static String get(int port, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    /** Hands the stand-in project-svc a job's secrets, which the gateway then hands this node for the job. */
    static void secrets(String jobId, Map<String, String> secrets) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        projectUrl("/stand-in/jobs/" + jobId + "/secrets")))
                .PUT(HttpRequest.BodyPublishers.ofString(io.deeploy.events.EventCodec.toJson(secrets))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(204);
    }
}
