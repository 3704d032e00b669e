package io.deeploy.events;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The body of every error answer of the platform's HTTP APIs: a stable {@code code} a client branches on, a
 * {@code message} for people, and the {@code field} of the request it is about, when it is about one.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String code, String message, String field) {

    /** An error about no field in particular. */
    public static ApiError of(String code, String message) {
        return new ApiError(code, message, null);
    }
}
