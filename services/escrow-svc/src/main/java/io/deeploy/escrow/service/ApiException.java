package io.deeploy.escrow.service;

/** A request the API refuses, with the HTTP status, a stable machine-readable code and the offending field (if one). */
public class ApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final String field;

    public ApiException(int status, String code, String field, String message) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    public static ApiException invalid(String field, String message) {
        return new ApiException(400, "INVALID_FIELD", field, message);
    }

    public static ApiException notFound(String code, String message) {
        return new ApiException(404, code, null, message);
    }

    public static ApiException conflict(String code, String message) {
        return new ApiException(409, code, null, message);
    }

    public static ApiException chainUnavailable(String message) {
        return new ApiException(503, "CHAIN_UNAVAILABLE", null, message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String field() {
        return field;
    }
}
