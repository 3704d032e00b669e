package io.deeploy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.EventCodec;
import io.deeploy.events.Topics;
import io.deeploy.outbox.testing.KafkaEvents;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stops that race what else happens to the platform end where they should, whatever the order: no job stays STOPPING,
 * no container of it stays on a node, no route of it stays in the ingress. The agents reconcile the desired state
 * rather than act on events as they come, which is what makes this hold.
 */
class ConvergenceE2EIT {

    static Platform platform;

    @BeforeAll
    static void start() throws Exception {
        platform = Platform.shared();
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return EventCodec.mapper().readTree(response.body());
    }

    JsonNode job(String jobId) throws Exception {
        return json(platform.apiGet("/api/jobs/" + jobId));
    }

    String createJob(String alias, String content) throws Exception {
        String projectId = json(platform.apiPost("/api/projects", "{\"name\":\"conv-" + UUID.randomUUID() + "\"}",
                UUID.randomUUID().toString())).path("id").asText();
        HttpResponse<String> created = platform.apiPost("/api/projects/" + projectId + "/jobs",
                platform.pythonFileJob(alias, content), UUID.randomUUID().toString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return json(created).path("id").asText();
    }

    void assertStoppedAndGone(String jobId, String alias) throws Exception {
        await().atMost(Duration.ofSeconds(90)).until(() -> "STOPPED".equals(job(jobId).path("state").asText()));
        await().atMost(Duration.ofSeconds(30)).until(() -> WorkerAppRunnerE2EIT.containersOf(jobId, platform.nodeId).isEmpty());
        await().atMost(Duration.ofSeconds(30))
                .until(() -> platform.serve(platform.appUrl(alias)).equals("HTTP 404"));
    }

    /**
     * A job requested and stopped while the scheduler is down: when it returns it places the job and releases it in that
     * order, and the node's agent, whichever of the two it sees, ends with nothing running and the stop confirmed.
     */
    @Test
    void aJobStoppedBeforeItWasPlacedEndsStoppedWithNothingLeft() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() ->
                Platform.get(platform.url("scheduler-svc", "/api/nodes/" + platform.nodeId)).statusCode() == 200);
        platform.kill("scheduler-svc");
        String alias = "early-" + UUID.randomUUID().toString().substring(0, 8);
        String jobId = createJob(alias, "never meant to serve");
        assertThat(platform.apiPost("/api/jobs/" + jobId + "/stop", "", null).statusCode()).isEqualTo(202);
        assertThat(job(jobId).path("state").asText()).isEqualTo("STOPPING");
        platform.relaunch("scheduler-svc");
        assertStoppedAndGone(jobId, alias);
    }

    /**
     * The agent is killed while its job serves, the job is stopped meanwhile, and the agent comes back: it finds the
     * stop among its desired allocations, removes the container and confirms, so the job ends STOPPED.
     */
    @Test
    void aStopThatAKilledAgentMissedIsCarriedOutAndConfirmedWhenItReturns() throws Exception {
        String alias = "missed-" + UUID.randomUUID().toString().substring(0, 8);
        String jobId = createJob(alias, "serving before the kill");
        await().atMost(Duration.ofSeconds(120)).until(() -> "RUNNING".equals(job(jobId).path("state").asText())
                && job(jobId).hasNonNull("url"));
        String url = job(jobId).path("url").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> platform.serve(url).equals("serving before the kill"));

        platform.kill("builder-svc");
        assertThat(platform.apiPost("/api/jobs/" + jobId + "/stop", "", null).statusCode()).isEqualTo(202);
        // The scheduler has taken the stop (the allocation is STOP) and project-svc has applied whatever the scheduler said
        // so far: still no one has confirmed the stop.
        try (KafkaEvents kafka = KafkaEvents.fromEnvironment()) {
            kafka.awaitConsumed("scheduler-svc", Topics.JOB_COMMANDS, Duration.ofSeconds(30));
            kafka.awaitConsumed("project-svc", Topics.JOB_EVENTS, Duration.ofSeconds(30));
        }
        assertThat(job(jobId).path("state").asText()).as("no node has confirmed the stop yet").isEqualTo("STOPPING");
        assertThat(WorkerAppRunnerE2EIT.containersOf(jobId, platform.nodeId)).as("the app outlived its agent").isNotEmpty();
        platform.relaunch("builder-svc");
        assertStoppedAndGone(jobId, alias);
    }

    /**
     * The data plane outlives the control plane: while tunnel-svc is killed and started again, an app keeps being served
     * at its URL by the ingress process, from the routes file tunnel-svc last wrote; and a killed ingress serves again
     * from that file alone, whether tunnel-svc is up or not. How long the ingress takes to serve again is printed.
     */
    @Test
    void appsKeepBeingServedWhileTunnelSvcOrTheIngressRestarts() throws Exception {
        String alias = "steady-" + UUID.randomUUID().toString().substring(0, 8);
        String jobId = createJob(alias, "steady");
        await().atMost(Duration.ofSeconds(120)).until(() -> "RUNNING".equals(job(jobId).path("state").asText())
                && job(jobId).hasNonNull("url"));
        String url = job(jobId).path("url").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> platform.serve(url).equals("steady"));

        UrlWatch watch = new UrlWatch(platform, url, "steady"::equals);
        try {
            platform.kill("tunnel-svc");
            Thread.sleep(3000);
            platform.relaunch("tunnel-svc");
            Thread.sleep(1000);
        } finally {
            watch.close();
        }
        assertThat(watch.failed()).as("answers other than the app's while tunnel-svc was down and back, last: %s",
                watch.lastFailure()).isZero();
        assertThat(watch.served()).isPositive();

        // The ingress itself, killed with tunnel-svc down: it comes back serving from the file.
        platform.kill("tunnel-svc");
        platform.kill(Platform.INGRESS);
        long killed = System.nanoTime();
        platform.relaunch(Platform.INGRESS);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> platform.serve(url).equals("steady"));
        System.out.printf("ingress: serving again %d ms after it was killed (JVM start included)%n",
                (System.nanoTime() - killed) / 1_000_000);
        platform.relaunch("tunnel-svc");

        platform.apiPost("/api/jobs/" + jobId + "/stop", "", null);
        assertStoppedAndGone(jobId, alias);
    }
}
