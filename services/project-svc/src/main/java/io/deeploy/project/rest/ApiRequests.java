package io.deeploy.project.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deeploy.events.ApiError;
import io.deeploy.project.service.ApiException;
import io.deeploy.project.service.Authenticator;
import io.deeploy.project.service.Caller;
import io.deeploy.signing.SignedRequest;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.net.URI;

/**
 * The two things every API resource does first: authenticate the caller over the exact bytes and target of the request,
 * then read the body. Resources take the body as bytes because the signature covers those bytes, not a re-serialised
 * object; parsing happens here, after authentication, so an unauthenticated caller learns nothing from parse errors.
 */
@ApplicationScoped
public class ApiRequests {

    private final Authenticator authenticator;
    private final ObjectMapper json;

    public ApiRequests(Authenticator authenticator, ObjectMapper json) {
        this.authenticator = authenticator;
        this.json = json;
    }

    public Uni<Caller> caller(String method, UriInfo uri, HttpHeaders headers, byte[] body) {
        URI requested = uri.getRequestUri();
        String target = requested.getRawPath() + (requested.getRawQuery() == null ? "" : "?" + requested.getRawQuery());
        return authenticator.authenticate(new Authenticator.RequestFacts(method, target, body == null ? new byte[0] : body,
                headers.getHeaderString(HttpHeaders.AUTHORIZATION), headers.getHeaderString(SignedRequest.SENDER_HEADER),
                headers.getHeaderString(SignedRequest.NONCE_HEADER), headers.getHeaderString(SignedRequest.SIGNATURE_HEADER)));
    }

    /** The body as {@code type}; a 400 MALFORMED_BODY (naming the field when one is at fault) if it is not. */
    public <T> T parse(byte[] body, Class<T> type) {
        if (body == null || body.length == 0) {
            throw new ApiException(400, "MALFORMED_BODY", null, "this request needs a JSON body");
        }
        T value;
        try {
            value = json.readValue(body, type);
        } catch (JsonProcessingException e) {
            ApiError error = ApiExceptionMappers.describe(e);
            throw new ApiException(400, error.code(), error.field(), error.message());
        } catch (IOException e) {
            throw new ApiException(400, "MALFORMED_BODY", null, "the request body could not be read");
        }
        if (value == null) {
            throw new ApiException(400, "MALFORMED_BODY", null, "the request body is null; send a JSON object");
        }
        return value;
    }

    /** A path or query parameter that is an address, lower-cased; a 400 naming {@code field} otherwise. */
    public static String address(String value, String field) {
        try {
            return SignedRequest.normalizeAddress(value);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(field, field + ": " + e.getMessage());
        }
    }
}
