package io.deeploy.scheduler.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.EventCodec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

/** Reads the escrow's epoch clock from escrow-svc ({@code GET /api/chain}), so the oracle's epochs are the chain's. */
public final class EscrowClient {

    /** Epoch 0 starts at {@code genesis}; epochs last {@code length}. */
    public record EpochClock(Instant genesis, Duration length) {
    }

    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public EscrowClient(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /** The clock, or null while escrow-svc is unreachable or has no contracts yet. Blocking. */
    public EpochClock epochClock() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/chain"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? parse(response.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static EpochClock parse(String body) throws IOException {
        JsonNode chain = EventCodec.mapper().readTree(body);
        JsonNode genesis = chain.path("genesis");
        JsonNode length = chain.path("epochLengthSeconds");
        if (!genesis.canConvertToLong() || !length.canConvertToLong() || length.asLong() <= 0) {
            return null;
        }
        return new EpochClock(Instant.ofEpochSecond(genesis.asLong()), Duration.ofSeconds(length.asLong()));
    }
}
