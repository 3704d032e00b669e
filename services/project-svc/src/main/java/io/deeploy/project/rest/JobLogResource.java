package io.deeploy.project.rest;

import io.deeploy.node.api.LogBatch;
import io.deeploy.project.repository.JobLogRepository;
import io.deeploy.project.service.ApiException;
import io.deeploy.project.service.Caller;
import io.deeploy.project.service.JobLogService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.List;

/**
 * A job's build and app output, as its nodes sent it to the platform: whoever may read the job reads it here, never
 * from a node. JSON gives the newest lines; {@code Accept: text/event-stream} gives them as server-sent events (each
 * event's id is the line's {@code seq}) and, with {@code follow=true}, every line as it arrives until the job has
 * stopped. {@code after} (or an event stream's {@code Last-Event-ID}) starts after a line already read.
 */
@Path("/api/jobs/{jobId}/logs")
public class JobLogResource {

    /** The lines of one source of the job's output, oldest first. */
    public record JobLogs(String jobId, String source, List<JobLogRepository.Line> lines) {
    }

    private final JobLogService logs;
    private final ApiRequests requests;

    public JobLogResource(JobLogService logs, ApiRequests requests) {
        this.logs = logs;
        this.requests = requests;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<JobLogs> read(@Context UriInfo uri, @Context HttpHeaders headers, @PathParam("jobId") String jobId,
            @QueryParam("source") @DefaultValue("app") String source, @QueryParam("lines") @DefaultValue("200") int lines,
            @QueryParam("after") Long after, @QueryParam("follow") @DefaultValue("false") boolean follow) {
        check(source, lines, after);
        if (follow) {
            throw ApiException.invalid("follow", "following a log needs 'Accept: text/event-stream'");
        }
        return requests.caller("GET", uri, headers, null)
                .chain(caller -> logs.tail(caller, jobId, source, lines, after))
                .map(found -> new JobLogs(jobId, source, found));
    }

    /**
     * Blocking: who asks, and whether they may read the job, is settled before the stream starts, so that a refusal is a
     * plain 4xx answer (an event stream's headers go as it starts, and an error after them has no status).
     */
    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public Multi<OutboundSseEvent> stream(@Context UriInfo uri, @Context HttpHeaders headers, @Context Sse sse,
            @PathParam("jobId") String jobId, @QueryParam("source") @DefaultValue("app") String source,
            @QueryParam("lines") @DefaultValue("200") int lines, @QueryParam("after") Long after,
            @QueryParam("follow") @DefaultValue("false") boolean follow, @HeaderParam("Last-Event-ID") String lastEventId) {
        Long from = after != null ? after : lastEventId(lastEventId);
        check(source, lines, from);
        Caller caller = awaited(() -> requests.caller("GET", uri, headers, null)
                .call(asking -> logs.requireReadable(asking, jobId)));
        Multi<JobLogRepository.Line> found = follow ? logs.follow(caller, jobId, source, lines, from)
                : Multi.createFrom().iterable(awaited(() -> logs.tail(caller, jobId, source, lines, from)));
        return found.map(line -> sse.newEventBuilder().id(Long.toString(line.seq())).mediaType(MediaType.APPLICATION_JSON_TYPE)
                .data(JobLogRepository.Line.class, line).build());
    }

    /** What {@code work} gives, waited for on this worker thread (it runs on a Vert.x context); its failure is thrown. */
    private static <T> T awaited(java.util.function.Supplier<Uni<T>> work) {
        try {
            return VertxContextSupport.subscribeAndAwait(work);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static void check(String source, int lines, Long after) {
        if (!LogBatch.SOURCES.contains(source)) {
            throw ApiException.invalid("source", "source must be build or app");
        }
        if (lines < 1 || lines > JobLogService.MAX_LINES) {
            throw ApiException.invalid("lines", "lines must be 1-" + JobLogService.MAX_LINES);
        }
        if (after != null && after < 0) {
            throw ApiException.invalid("after", "after is a line's seq, 0 or more");
        }
    }

    private static Long lastEventId(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            throw ApiException.invalid("Last-Event-ID", "Last-Event-ID is a line's seq, as this stream sent it");
        }
    }
}
