package io.deeploy.builder;

import io.deeploy.events.Event;
import io.deeploy.events.payload.NodeRegistered;
import io.deeploy.node.Ed25519Keys;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.outbox.testing.ProjectStandIn;
import io.deeploy.outbox.testing.ServiceProcesses;
import io.deeploy.outbox.testing.TestInfra;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Map;

/**
 * The platform the agent under test talks to: the real scheduler-svc (packaged earlier in the build) as a process on the
 * test instance's Kafka and PostgreSQL, whose node gateway the agent is pointed at, and a stand-in for the two answers
 * the gateway needs of project-svc. This node is registered (NodeRegistered, as project-svc announces it) with the key
 * the agent will find in its work directory. Tests request jobs as project-svc would (JobRequested on Kafka); the
 * scheduler places them on this node and the agent's reports come back as job events.
 */
public class TestPlatform implements QuarkusTestResourceLifecycleManager {

    static final String NODE = "it-node";
    static final String INTERNAL_TOKEN = "it-internal-token-" + java.util.UUID.randomUUID();
    /** Where the agent of the test profile keeps its key ({@code %test.deeploy.node.work-dir}). */
    static final Path NODE_KEY = Path.of("target", "it-node-work", "node.key");
    /** The key the stand-in project-svc signs log grants with; tests make grants with it. */
    static final Path GRANT_KEY = Path.of("target", "it-log-grant.key");
    static final Path SCHEDULER_LOG = Path.of("target", "it-scheduler.log");

    private Process scheduler;
    private ProjectStandIn project;

    @Override
    public Map<String, String> start() {
        try {
            KeyPair grants = Ed25519Keys.loadOrCreate(GRANT_KEY);
            project = new ProjectStandIn(INTERNAL_TOKEN, Ed25519Keys.encode(grants.getPublic()));
            int httpPort = ServiceProcesses.freePort();
            int gatewayPort = ServiceProcesses.freePort();
            TestInfra.cleanSchedulerSlate();
            scheduler = launchScheduler(httpPort, gatewayPort, project.url());
            ServiceProcesses.awaitReady("scheduler-svc", scheduler, "http://127.0.0.1:" + httpPort + "/q/health/ready",
                    SCHEDULER_LOG);
            KeyPair node = Ed25519Keys.loadOrCreate(NODE_KEY);
            try (KafkaEvents kafka = KafkaEvents.fromEnvironment()) {
                kafka.publish(Event.of(new NodeRegistered(NODE, Ed25519Keys.encode(node.getPublic()),
                        "0x00000000000000000000000000000000000000aa", "0x00000000000000000000000000000000000000aa", "127.0.0.1")));
            }
            return Map.of("deeploy.node.gateway-url", "http://127.0.0.1:" + gatewayPort,
                    "deeploy.test.scheduler-url", "http://127.0.0.1:" + httpPort,
                    "deeploy.test.project-url", project.url());
        } catch (Exception e) {
            stop();
            throw new IllegalStateException("the test platform did not start (see " + SCHEDULER_LOG + ")", e);
        }
    }

    @Override
    public void stop() {
        if (scheduler != null) {
            ServiceProcesses.stop(scheduler);
        }
        if (project != null) {
            project.close();
        }
        ServiceProcesses.removeNodeLeftovers(NODE);
    }

    private static Process launchScheduler(int httpPort, int gatewayPort, String projectUrl) throws IOException {
        Path jar = Path.of("..", "scheduler-svc", "target", "quarkus-app", "quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: the agent's tests run against the packaged scheduler-svc "
                    + "(./deeploy test -pl services/builder-svc -am packages it first)");
        }
        ProcessBuilder builder = new ProcessBuilder("java", "-Xmx256m", "-jar", jar.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(SCHEDULER_LOG.toFile()));
        Map<String, String> env = builder.environment();
        env.putAll(TestInfra.serviceEnvironment("scheduler-svc"));
        env.put("DEEPLOY_HTTP_PORT", String.valueOf(httpPort));
        env.put("DEEPLOY_GATEWAY_PORT", String.valueOf(gatewayPort));
        env.put("DEEPLOY_PROJECT_URL", projectUrl);
        env.put("DEEPLOY_INTERNAL_TOKEN", INTERNAL_TOKEN);
        // Its audience is made for this test installation, kept beside the build rather than in the user's home.
        env.put("DEEPLOY_AUDIENCE_FILE", Path.of("target", "it-audience").toAbsolutePath().toString());
        env.put("DEEPLOY_SCHEDULER_SWEEP_INTERVAL", "1s");
        env.put("DEEPLOY_SCHEDULER_NODE_LOST_AFTER", "10s");
        return builder.start();
    }
}
