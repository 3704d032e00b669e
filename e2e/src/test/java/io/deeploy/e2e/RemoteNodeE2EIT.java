package io.deeploy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.EventCodec;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An edge node on another machine: an agent in a network namespace of its own, with its own Docker engine, that reaches
 * the platform only at the node gateway's address (not loopback). It joins with one command ({@code ./deeploy node
 * join}, the operator's registration sent through the gateway), takes a job over when the platform's own node is lost,
 * serves it to the ingress from its own address, and stops it.
 */
class RemoteNodeE2EIT {

    static NamespaceHost host;
    static Platform platform;
    static String remoteNode;

    @BeforeAll
    static void start() throws Exception {
        host = NamespaceHost.create();
        host.loadImage("local/python:bookworm");
        platform = Platform.start("rn-local-" + UUID.randomUUID().toString().substring(0, 8), "127.0.0.1," + host.hostAddress);
        remoteNode = "rn-remote-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterAll
    static void stop() throws Exception {
        if (host != null && remoteNode != null) {
            host.exec(Map.of(), "bash", Path.of("..", "deeploy").toAbsolutePath().normalize().toString(), "node", "stop", "--id",
                    remoteNode);
        }
        if (platform != null) {
            platform.close();
        }
        if (host != null) {
            host.close();
        }
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return EventCodec.mapper().readTree(response.body());
    }

    JsonNode job(String jobId) throws Exception {
        return json(platform.apiGet("/api/jobs/" + jobId));
    }

    /** The operator's wallet for the node on the other machine: a key of its own (not the platform's user), owner-only. */
    static Path operatorKey() throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path file = host.dir.resolve("operator.key");
        Files.writeString(file, "0x" + HexFormat.of().formatHex(key) + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    @Test
    void aNodeInItsOwnNetworkJoinsByTheGatewayTakesAJobOverServesItAndStopsIt() throws Exception {
        // A job on the platform's own node, before the other node exists.
        String projectId = json(platform.apiPost("/api/projects", "{\"name\":\"rn-" + UUID.randomUUID() + "\"}",
                UUID.randomUUID().toString())).path("id").asText();
        String alias = "rn-" + UUID.randomUUID().toString().substring(0, 8);
        String body = EventCodec.mapper().writeValueAsString(Map.of(
                "alias", alias, "kind", "CAR", "image", "local/python:bookworm",
                "commands", List.of("cd /site && python3 -m http.server 8000"),
                "fileVolumes", List.of(Map.of("name", "index", "mountPath", "/site/index.html", "content", "anywhere")),
                "port", 8000, "resources", Map.of("cpu", 0.25, "memoryMb", 128),
                "healthCheck", Map.of("mode", "http", "path", "/"), "targetNodeCount", 1));
        HttpResponse<String> created = platform.apiPost("/api/projects/" + projectId + "/jobs", body, UUID.randomUUID().toString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String jobId = json(created).path("id").asText();
        await().atMost(Duration.ofSeconds(120)).until(() -> "RUNNING".equals(job(jobId).path("state").asText())
                && job(jobId).hasNonNull("url"));
        String url = job(jobId).path("url").asText();
        assertThat(job(jobId).path("nodes").get(0).asText()).isEqualTo(platform.nodeId);

        // The other machine reaches the gateway at its address, and nothing of the platform on loopback.
        String gateway = "http://" + host.hostAddress + ":" + platform.gatewayPort;
        NamespaceHost.Result loopback = host.exec(Map.of(), "curl", "-s", "-m", "3", "-o", "/dev/null", "-w", "%{http_code}",
                platform.url("project-svc", "/q/health"));
        assertThat(loopback.output()).as("the platform's API from the other machine").isEqualTo("000");
        NamespaceHost.Result reached = host.exec(Map.of(), "curl", "-s", "-m", "3", gateway + "/gateway/v1/platform");
        assertThat(reached.output()).contains("\"audience\"");

        // One command joins it: the agent starts there and its operator's signed registration goes through the gateway.
        int agentPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            agentPort = socket.getLocalPort();
        }
        NamespaceHost.Result joined = host.exec(Map.of("DOCKER_HOST", host.dockerHost(), "DEEPLOY_WALLET_KEY_FILE",
                        operatorKey().toString(), "DEEPLOY_NODE_CPU_MILLIS", "4000", "DEEPLOY_NODE_MEMORY_MB", "4096"),
                "bash", Path.of("..", "deeploy").toAbsolutePath().normalize().toString(), "node", "join", gateway, "--id", remoteNode,
                "--address", host.nodeAddress, "--port", String.valueOf(agentPort));
        assertThat(joined.exitCode()).as(joined.output()).isZero();
        JsonNode registered = json(Platform.get(platform.url("scheduler-svc", "/api/nodes/" + remoteNode)));
        assertThat(registered.path("state").asText()).isEqualTo("READY");
        assertThat(registered.path("address").asText()).isEqualTo(host.nodeAddress);

        // The platform's own node is lost: the job moves to the other machine, which serves it to the ingress.
        platform.kill("builder-svc");
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            JsonNode now = job(jobId);
            return "RUNNING".equals(now.path("state").asText()) && now.path("nodes").toString().contains(remoteNode);
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> platform.serve(url).equals("anywhere"));
        assertThat(host.containersOf(jobId)).isNotEmpty();

        platform.apiPost("/api/jobs/" + jobId + "/stop", "", null);
        await().atMost(Duration.ofSeconds(90)).until(() -> "STOPPED".equals(job(jobId).path("state").asText()));
        await().atMost(Duration.ofSeconds(30)).until(() -> host.containersOf(jobId).isEmpty());
        await().atMost(Duration.ofSeconds(20)).until(() -> platform.serve(url).equals("HTTP 404"));
    }
}
