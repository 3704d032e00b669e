package io.deeploy.scheduler.service;

import io.deeploy.outbox.RejectedEventException;

/**
 * A refusal of the node gateway: an HTTP status and a stable code for the agent. A refused report is never retried and
 * changes nothing (it is a {@link RejectedEventException}, so the idempotent consumer rolls it back at once).
 */
public class GatewayException extends RejectedEventException {

    private final int status;
    private final String code;

    public GatewayException(int status, String code, String message) {
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

    public static GatewayException unauthorized(String code, String message) {
        return new GatewayException(401, code, message);
    }
}
