package io.deeploy.client;

/**
 * The API refused a call: its status, its stable {@code code} (JOB_NOT_FOUND, INVALID_FIELD, ALIAS_TAKEN...) and, where
 * one input is at fault, the {@code field} it names. Nothing was changed by the call.
 */
public class DeeployApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final String field;
    private final String reason;

    public DeeployApiException(int status, String code, String field, String message) {
        super(status + " " + code + (field == null ? "" : " (" + field + ")") + ": " + message);
        this.status = status;
        this.code = code;
        this.field = field;
        this.reason = message;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** The request's field at fault, as the API names it ({@code resources.cpu}, {@code targetNodes[1]}), or null. */
    public String field() {
        return field;
    }

    /** The API's own words for the refusal (its {@code message}). */
    public String reason() {
        return reason;
    }
}
