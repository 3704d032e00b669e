package io.deeploy.scheduler;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventPayload;
import io.deeploy.events.payload.NodeRegistered;
import io.deeploy.events.payload.Resources;
import io.deeploy.node.Ed25519Keys;
import io.deeploy.node.NodeSigner;
import io.deeploy.node.api.AllocationHealth;
import io.deeploy.node.api.DesiredAllocations;
import io.deeploy.node.api.GatewayApi;
import io.deeploy.node.api.Heartbeat;
import io.deeploy.node.api.StatusReport;
import io.deeploy.outbox.testing.KafkaEvents;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * An edge node as the gateway sees one: registered by its operator (NodeRegistered, as project-svc announces it) with a
 * key of its own, and calling the gateway over HTTP with every request signed, as an agent does.
 */
final class TestNode {

    /** The audience of the installation under test: made for it on first start, as on a fresh install. */
    static String audience() {
        return io.quarkus.arc.Arc.container().instance(io.deeploy.signing.Audience.class).get().value();
    }

    static final String OPERATOR = "0x00000000000000000000000000000000000000aa";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String id;
    final KeyPair keys;
    final NodeSigner signer;
    final int gatewayPort;
    final String bootId = UUID.randomUUID().toString();
    /** What it offers in its heartbeats, once it is ready. */
    Resources capacity;
    long sequence;

    TestNode(String id, KeyPair keys, int gatewayPort) {
        this.id = id;
        this.keys = keys;
        this.signer = new NodeSigner(id, keys);
        this.gatewayPort = gatewayPort;
    }

    /** A node with a fresh key, registered with {@code address}; the gateway knows it once the registry consumed that. */
    static TestNode register(KafkaEvents kafka, int gatewayPort, String id, String address) {
        TestNode node = new TestNode(id, Ed25519Keys.generate(), gatewayPort);
        kafka.publish(Event.of(new NodeRegistered(id, Ed25519Keys.encode(node.keys.getPublic()), OPERATOR, OPERATOR, address)));
        return node;
    }

    HttpResponse<String> send(String method, String target, String body) {
        byte[] bytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        return sendSigned(method, target, bytes, signer.headers(audience(), method, target, bytes));
    }

    HttpResponse<String> sendSigned(String method, String target, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + target))
                .timeout(Duration.ofSeconds(70))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("the gateway at " + gatewayPort + " did not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String heartbeatBody(String bootId, long sequence, Resources capacity, Map<String, String> tags,
            List<AllocationHealth> allocations) {
        return EventCodec.toJson(new Heartbeat(bootId, sequence, capacity, capacity, tags, "it", allocations));
    }

    /** One heartbeat; returns the gateway's status. */
    int heartbeat(Resources capacity, Map<String, String> tags, List<AllocationHealth> allocations) {
        return send("POST", GatewayApi.HEARTBEAT, heartbeatBody(bootId, ++sequence, capacity, tags, allocations)).statusCode();
    }

    DesiredAllocations allocations(long index, int waitSeconds) {
        HttpResponse<String> response = send("GET", GatewayApi.ALLOCATIONS + "?index=" + index + "&wait=" + waitSeconds, null);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("allocations: " + response.statusCode() + " " + response.body());
        }
        return EventCodec.fromJson(response.body(), DesiredAllocations.class);
    }

    HttpResponse<String> report(String jobId, long placement, EventPayload payload) {
        return report(jobId, StatusReport.of(UUID.randomUUID(), placement, payload));
    }

    HttpResponse<String> report(String jobId, StatusReport report) {
        return send("POST", GatewayApi.reports(jobId), EventCodec.toJson(report));
    }

    HttpResponse<String> logs(String jobId, io.deeploy.node.api.LogBatch batch) {
        return send("POST", GatewayApi.logs(jobId), EventCodec.toJson(batch));
    }

    HttpResponse<String> secrets(String jobId) {
        return send("GET", GatewayApi.secrets(jobId), null);
    }
}
