package io.deeploy.project;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A Kafka broker of the test's own, in a container of the locally built {@code local/kafka} image, so the test can
 * stop and restart it under a running service. Host networking keeps its advertised address (127.0.0.1:port) valid
 * from the host and stable across a restart; host networking is refused by an engine that remaps user namespaces (as the
 * node's engine does) unless the container keeps the host's user namespace, which this broker, no job, may.
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    static final DockerImageName IMAGE = DockerImageName.parse("local/kafka:4.1.1");

    static GenericContainer<?> broker;
    static int port;

    @Override
    public Map<String, String> start() {
        port = freePort();
        broker = new GenericContainer<>(IMAGE)
                .withNetworkMode("host")
                .withCreateContainerCmdModifier(create -> create.getHostConfig().withUsernsMode("host"))
                .withEnv("KAFKA_PORT", String.valueOf(port))
                .withEnv("KAFKA_CONTROLLER_PORT", String.valueOf(freePort()))
                .waitingFor(Wait.forLogMessage(".*Kafka Server started.*", 1).withStartupTimeout(Duration.ofSeconds(90)));
        broker.start();
        // The test's own broker is PLAINTEXT (the image of infra/images/kafka); the instance's broker is the authenticated one.
        return Map.of("kafka.bootstrap.servers", bootstrap(), "deeploy.kafka.security-protocol", "PLAINTEXT");
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.stop();
        }
    }

    static String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** A client of this broker: its address, no credentials. */
    static java.util.Properties client() {
        java.util.Properties client = new java.util.Properties();
        client.put("bootstrap.servers", bootstrap());
        return client;
    }

    /** Stops the broker process but keeps the container and its data, like a broker crash or maintenance. */
    static void stopBroker() {
        broker.getDockerClient().stopContainerCmd(broker.getContainerId()).withTimeout(10).exec();
    }

    static void startBroker() {
        broker.getDockerClient().startContainerCmd(broker.getContainerId()).exec();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
