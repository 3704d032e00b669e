package io.deeploy.escrow.rest;

import io.deeploy.escrow.client.ChainException;
import io.deeploy.escrow.service.ApiException;
import io.deeploy.events.ApiError;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every failure as a JSON {@link ApiError}: 4xx with a stable code for bad requests, 503 for the chain, 500 for bugs. */
public class ApiExceptionMappers {

    private static final Logger LOG = Logger.getLogger(ApiExceptionMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return error(e.status(), new ApiError(e.code(), e.getMessage(), e.field()));
    }

    @ServerExceptionMapper
    public Response chain(ChainException e) {
        return error(503, new ApiError("CHAIN_UNAVAILABLE", e.getMessage(), null));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        String code = status == 404 ? "NOT_FOUND" : status == 405 ? "METHOD_NOT_ALLOWED"
                : status < 500 ? "BAD_REQUEST" : "INTERNAL_ERROR";
        return error(status, new ApiError(code, status < 500 ? e.getMessage() : "internal error", null));
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof ApiException api) {
                return api(api);
            }
            if (cause instanceof ChainException chain) {
                return chain(chain);
            }
        }
        LOG.error("unexpected failure", e);
        return error(500, new ApiError("INTERNAL_ERROR", "internal error", null));
    }

    private static Response error(int status, ApiError body) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body).build();
    }
}
