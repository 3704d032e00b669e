package io.deeploy.project.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.deeploy.events.ApiError;
import io.deeploy.project.service.ApiException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.stream.Collectors;
import org.hibernate.exception.ConstraintViolationException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every failure into a JSON {@link ApiError}: 4xx with a stable code for bad requests, 500 only for our bugs. */
public class ApiExceptionMappers {

    private static final Logger LOG = Logger.getLogger(ApiExceptionMappers.class);

    /** Unique constraints that guard against races the service checks also catch, and what they mean to a client. */
    private static final Map<String, ApiError> CONSTRAINTS = Map.of(
            "job_live_alias", new ApiError("ALIAS_TAKEN", "another live job already uses this alias", "alias"),
            "project_owner_name", new ApiError("PROJECT_NAME_TAKEN", "you already have a project with this name", "name"),
            "idempotent_command_pkey", new ApiError("IDEMPOTENCY_KEY_IN_USE",
                    "a request with this Idempotency-Key is being processed; retry it", null));

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return error(e.status(), new ApiError(e.code(), e.getMessage(), e.field()));
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        return error(400, describe(e));
    }

    /** A client's JSON error, naming the field at fault when Jackson knows it (never echoing the input). */
    static ApiError describe(JsonProcessingException e) {
        String field = e instanceof JsonMappingException mapping ? mapping.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[") : null;
        String message = field == null || field.isEmpty()
                ? "the request body is not valid JSON for this endpoint"
                : "field '" + field + "' has the wrong type or format";
        return new ApiError("MALFORMED_BODY", message, field == null || field.isEmpty() ? null : field);
    }

    /** Quarkus maps these more specific Jackson failures itself (without our error body) unless we claim them. */
    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response invalidFormat(InvalidFormatException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response constraint(ConstraintViolationException e) {
        ApiError known = CONSTRAINTS.get(e.getConstraintName());
        if (known != null) {
            return error(409, known);
        }
        LOG.errorf("unexpected constraint violation %s", e.getConstraintName());
        return error(409, new ApiError("CONFLICT", "the request conflicts with the current state", null));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException json) {
            return json(json);
        }
        int status = e.getResponse().getStatus();
        String code = switch (status) {
            case 404 -> "NOT_FOUND";
            case 405 -> "METHOD_NOT_ALLOWED";
            case 406 -> "NOT_ACCEPTABLE";
            case 415 -> "UNSUPPORTED_MEDIA_TYPE";
            default -> status < 500 ? "BAD_REQUEST" : "INTERNAL_ERROR";
        };
        return error(status, new ApiError(code, status < 500 ? e.getMessage() : "internal error", null));
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause != cause.getCause()) {
            cause = cause.getCause();
            if (cause instanceof ApiException api) {
                return api(api);
            }
            if (cause instanceof ConstraintViolationException violation) {
                return constraint(violation);
            }
        }
        LOG.error("unexpected failure", e);
        return error(500, new ApiError("INTERNAL_ERROR", "internal error", null));
    }

    private static Response error(int status, ApiError body) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body).build();
    }
}
