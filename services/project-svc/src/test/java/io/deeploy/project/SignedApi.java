package io.deeploy.project;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deeploy.signing.DeeployWallet;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Calls to the API under test as a client makes them: signed by a wallet over the exact body bytes sent, or with an API
 * token. Paths are concrete (no templates), because the signature covers the path the server sees.
 */
final class SignedApi {

    private static volatile String audience;
    static final ObjectMapper JSON = new ObjectMapper();

    private SignedApi() {
    }

    /** The audience of the installation under test, read from {@code GET /api/auth} as any client would. */
    static String audience() {
        if (audience == null) {
            audience = given().get("/api/auth").then().statusCode(200).extract().path("audience");
        }
        return audience;
    }

    static String json(Object body) {
        if (body == null || body instanceof String) {
            return (String) body;
        }
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A request signed now by {@code wallet}; {@code key} is the Idempotency-Key (null for none). */
    static RequestSpecification signed(DeeployWallet wallet, String method, String path, Object body, String key) {
        String text = json(body);
        // The path is sent as written (callers encode it), because the signature covers it byte for byte.
        RequestSpecification spec = given().urlEncodingEnabled(false).headers(wallet.headers(audience(), method, path, text == null ? "" : text));
        if (text != null) {
            // Bytes, so that what is sent is exactly the UTF-8 that was signed, whatever the client's charset defaults.
            spec.contentType(ContentType.JSON).body(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        if (key != null) {
            spec.header("Idempotency-Key", key);
        }
        return spec;
    }

    static Response get(DeeployWallet wallet, String path) {
        return signed(wallet, "GET", path, null, null).get(path);
    }

    static Response post(DeeployWallet wallet, String path, Object body, String key) {
        return signed(wallet, "POST", path, body, key).post(path);
    }

    static Response patch(DeeployWallet wallet, String path, Object body, String key) {
        return signed(wallet, "PATCH", path, body, key).patch(path);
    }

    static Response put(DeeployWallet wallet, String path, Object body) {
        return signed(wallet, "PUT", path, body, null).put(path);
    }

    static Response delete(DeeployWallet wallet, String path) {
        return signed(wallet, "DELETE", path, null, null).delete(path);
    }

    static RequestSpecification token(String token) {
        return given().urlEncodingEnabled(false).header("Authorization", "Bearer " + token);
    }
}
