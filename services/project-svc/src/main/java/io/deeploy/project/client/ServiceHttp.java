package io.deeploy.project.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.EventCodec;
import io.deeploy.project.service.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpClient;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * GETs of JSON from another platform service, non-blocking (a Vert.x client on the caller's event loop). A 4xx with a
 * code is passed on as this API's refusal, its field renamed to the field of this API it comes from; anything else,
 * no answer included, is a 503 with the caller's code for "that service cannot be asked".
 */
final class ServiceHttp {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String service;
    private final Optional<String> baseUrl;
    private final String unavailableCode;
    private final HttpClient http;

    ServiceHttp(Vertx vertx, String service, Optional<String> baseUrl, String unavailableCode) {
        this.service = service;
        this.baseUrl = baseUrl;
        this.unavailableCode = unavailableCode;
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) TIMEOUT.toMillis()));
    }

    void close() {
        http.closeAndAwait();
    }

    Uni<JsonNode> get(String uri, Map<String, String> fields) {
        if (baseUrl.isEmpty()) {
            return Uni.createFrom().failure(unavailable("its address is not configured"));
        }
        URI base = URI.create(baseUrl.get());
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost(base.getHost())
                .setPort(base.getPort()).setURI(uri).setTimeout(TIMEOUT.toMillis());
        return http.request(request).chain(req -> req.send()).chain(response -> response.body().map(body -> {
            JsonNode answer = parse(body.toString());
            if (response.statusCode() == 200) {
                return answer;
            }
            if (response.statusCode() >= 400 && response.statusCode() < 500 && answer.hasNonNull("code")) {
                String field = answer.path("field").isTextual() ? answer.path("field").asText() : null;
                throw new ApiException(response.statusCode(), answer.path("code").asText(),
                        field == null ? null : fields.getOrDefault(field, field), answer.path("message").asText());
            }
            throw unavailable(service + " answered " + response.statusCode());
        })).onFailure(e -> !(e instanceof ApiException)).transform(e -> unavailable(e.getMessage()));
    }

    private static JsonNode parse(String body) {
        try {
            return EventCodec.mapper().readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return EventCodec.mapper().createObjectNode();
        }
    }

    private ApiException unavailable(String why) {
        return new ApiException(503, unavailableCode, null, service + " cannot be asked now (" + why + ")");
    }
}
