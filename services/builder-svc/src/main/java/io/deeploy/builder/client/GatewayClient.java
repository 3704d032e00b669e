package io.deeploy.builder.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.EventCodec;
import io.deeploy.node.NodeSigner;
import io.deeploy.node.api.DesiredAllocations;
import io.deeploy.node.api.GatewayApi;
import io.deeploy.node.api.Heartbeat;
import io.deeploy.node.api.JobSecrets;
import io.deeploy.node.api.LogBatch;
import io.deeploy.node.api.PlatformInfo;
import io.deeploy.node.api.StatusReport;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The agent's one way to the platform: the node gateway over HTTP, every call signed with the node's key (bound to the
 * platform's audience, which the gateway tells first). Blocking: call from the agent's own threads. A refusal (4xx) is a
 * {@link Refused} with the gateway's code; anything else that fails (unreachable, 5xx) is an {@link IOException} to
 * retry later.
 */
@ApplicationScoped
public class GatewayClient {

    private final String baseUrl;
    private final NodeIdentity identity;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile PlatformInfo platform;

    public GatewayClient(NodeConfig config, NodeIdentity identity) {
        this.baseUrl = config.gatewayUrl().endsWith("/") ? config.gatewayUrl().substring(0, config.gatewayUrl().length() - 1)
                : config.gatewayUrl();
        this.identity = identity;
    }

    /** The gateway refused a call: its HTTP status and code. Not worth retrying as it is. */
    public static class Refused extends Exception {

        private final int status;
        private final String code;

        public Refused(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }

        public int status() {
            return status;
        }

        public String code() {
            return code;
        }
    }

    /** The platform's audience and log-grant key, asked once and kept (asked again after a refused signature). */
    public PlatformInfo platform() throws IOException {
        PlatformInfo known = platform;
        if (known != null) {
            return known;
        }
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(baseUrl + GatewayApi.PLATFORM))
                .timeout(Duration.ofSeconds(10)).GET().build());
        if (response.statusCode() != 200) {
            throw new IOException("the gateway at " + baseUrl + " answered " + response.statusCode() + " for the platform's details");
        }
        PlatformInfo fetched = read(response.body(), PlatformInfo.class);
        if (fetched.audience() == null || fetched.audience().isBlank()) {
            throw new IOException("the gateway at " + baseUrl + " names no audience");
        }
        platform = fetched;
        return fetched;
    }

    public void heartbeat(Heartbeat heartbeat) throws IOException, Refused {
        call("POST", GatewayApi.HEARTBEAT, EventCodec.mapper().writeValueAsBytes(heartbeat), Duration.ofSeconds(10));
    }

    /** The allocations desired for this node, once they differ from {@code index} or after {@code wait}. */
    public DesiredAllocations allocations(long index, Duration wait) throws IOException, Refused {
        String body = call("GET", GatewayApi.ALLOCATIONS + "?index=" + index + "&wait=" + wait.toSeconds(), null,
                wait.plusSeconds(15));
        return read(body, DesiredAllocations.class);
    }

    public void report(String jobId, StatusReport report) throws IOException, Refused {
        call("POST", GatewayApi.reports(encode(jobId)), EventCodec.mapper().writeValueAsBytes(report), Duration.ofSeconds(15));
    }

    /** A batch of a job's output on this node; returns how many of its lines were new to the platform. */
    public int logs(String jobId, LogBatch batch) throws IOException, Refused {
        String body = call("POST", GatewayApi.logs(encode(jobId)), EventCodec.mapper().writeValueAsBytes(batch),
                Duration.ofSeconds(15));
        return EventCodec.mapper().readTree(body).path("kept").asInt();
    }

    /** The secrets of a job allocated to run on this node (the gateway refuses any other). */
    public Map<String, String> secrets(String jobId) throws IOException, Refused {
        return read(call("GET", GatewayApi.secrets(encode(jobId)), null, Duration.ofSeconds(15)), JobSecrets.class).secrets();
    }

    private String call(String method, String target, byte[] body, Duration timeout) throws IOException, Refused {
        String audience = platform().audience();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + target)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        identity.signer().headers(audience, method, target, body).forEach(request::header);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = send(request.build());
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return response.body();
        }
        if (status >= 400 && status < 500) {
            String code = errorCode(response.body());
            if ("SIGNATURE_INVALID".equals(code)) {
                // The platform may have a new audience: ask again before the next call.
                platform = null;
            }
            throw new Refused(status, code, message(response.body()));
        }
        throw new IOException("the gateway answered " + status + " to " + method + " " + target.replaceAll("\\?.*", ""));
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static <T> T read(String body, Class<T> type) throws IOException {
        try {
            return EventCodec.mapper().readValue(body, type);
        } catch (JsonProcessingException e) {
            throw new IOException("the gateway sent an unreadable " + type.getSimpleName(), e);
        }
    }

    private static String errorCode(String body) {
        try {
            return EventCodec.mapper().readTree(body).path("code").asText("UNKNOWN");
        } catch (IOException e) {
            return "UNKNOWN";
        }
    }

    private static String message(String body) {
        try {
            return EventCodec.mapper().readTree(body).path("message").asText("");
        } catch (IOException e) {
            return "";
        }
    }

    private static String encode(String jobId) {
        return URLEncoder.encode(jobId, StandardCharsets.UTF_8);
    }

    public String baseUrl() {
        return baseUrl;
    }
}
