package io.deeploy.project.service;

import io.deeploy.node.api.LogBatch;
import io.deeploy.project.config.LogsConfig;
import io.deeploy.project.repository.JobLogRepository;
import io.deeploy.project.repository.JobRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Each job's build and app output, kept by the platform so that its owner reads it through the API and never needs a
 * node's address: the agents send it through the gateway ({@link #append}), whoever may read the job reads the newest
 * lines ({@link #tail}) or follows them as they arrive ({@link #follow}). Another tenant's job is 404, as everywhere.
 */
@ApplicationScoped
public class JobLogService {

    /** Most lines one answer or one follow step carries. */
    public static final int MAX_LINES = 10_000;

    private final JobService jobs;
    private final JobRepository jobRows;
    private final JobLogRepository logs;
    private final LogsConfig config;
    private final Vertx vertx;

    public JobLogService(JobService jobs, JobRepository jobRows, JobLogRepository logs, LogsConfig config, Vertx vertx) {
        this.vertx = vertx;
        this.jobs = jobs;
        this.jobRows = jobRows;
        this.logs = logs;
        this.config = config;
    }

    /**
     * Keeps a batch a node sent of a job placed on it (the gateway checked that and names the node) and trims the
     * job's oldest lines beyond what is kept; returns how many lines were new. 404 JOB_NOT_FOUND for a job not known.
     */
    @WithTransaction
    public Uni<Integer> append(String jobId, String nodeId, LogBatch batch) {
        if (!Ids.wellFormed(jobId)) {
            return Uni.createFrom().failure(ApiException.notFound("JOB_NOT_FOUND", "no job " + jobId));
        }
        return jobRows.findById(jobId).onItem().ifNull().failWith(() -> ApiException.notFound("JOB_NOT_FOUND", "no job " + jobId))
                .chain(job -> logs.append(job.id, nodeId, batch))
                .call(kept -> kept == 0 ? Uni.createFrom().voidItem() : logs.trim(jobId, batch.source(), config.linesKept()));
    }

    /** 404 JOB_NOT_FOUND unless {@code caller} may read the job (as for the job itself). */
    @WithSession
    public Uni<Void> requireReadable(Caller caller, String jobId) {
        return jobs.readable(caller, jobId).replaceWithVoid();
    }

    /** The newest {@code lines} lines of the job's {@code source} (or those after {@code after}), oldest first. */
    @WithSession
    public Uni<List<JobLogRepository.Line>> tail(Caller caller, String jobId, String source, int lines, Long after) {
        return read(caller, jobId, source, lines, after);
    }

    /**
     * The newest {@code lines} lines (or those after {@code after}), then every line as it arrives, until the job has
     * stopped and nothing more came, or the follower goes. Each step reads in a session of its own on a Vert.x context of
     * the follower's own (a reactive session lives on one, and a timer's thread has none).
     */
    public Multi<JobLogRepository.Line> follow(Caller caller, String jobId, String source, int lines, Long after) {
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        Executor onContext = task -> context.runOnContext(ignored -> task.run());
        AtomicLong last = new AtomicLong(after == null ? 0 : after);
        AtomicBoolean stopped = new AtomicBoolean();
        Uni<List<JobLogRepository.Line>> first = Uni.createFrom().voidItem().emitOn(onContext)
                .chain(() -> Panache.withSession(() -> read(caller, jobId, source, lines, after)))
                .invoke(found -> {
                    if (!found.isEmpty()) {
                        last.set(found.get(found.size() - 1).seq());
                    }
                });
        // Each step reads after the last line of the step before: set as a step's lines are emitted, before the next
        // step is asked for.
        Multi<List<JobLogRepository.Line>> more = Multi.createBy().repeating()
                .uni(() -> Uni.createFrom().voidItem().onItem().delayIt().by(config.followInterval()).emitOn(onContext)
                        .chain(() -> Panache.withSession(() -> step(jobId, source, last.get(), stopped))))
                .until(found -> found.isEmpty() && stopped.get())
                .invoke(found -> {
                    if (!found.isEmpty()) {
                        last.set(found.get(found.size() - 1).seq());
                    }
                });
        return Multi.createBy().concatenating().streams(first.toMulti(), more).onItem().transformToIterable(found -> found);
    }

    private Uni<List<JobLogRepository.Line>> read(Caller caller, String jobId, String source, int lines, Long after) {
        return jobs.readable(caller, jobId).chain(job -> after == null ? logs.tail(job.id, source, lines)
                : logs.after(job.id, source, after, lines));
    }

    /** What arrived after {@code seq}; when nothing did, whether the job has stopped (then nothing more will). */
    private Uni<List<JobLogRepository.Line>> step(String jobId, String source, long seq, AtomicBoolean stopped) {
        return logs.after(jobId, source, seq, MAX_LINES).chain(found -> !found.isEmpty() ? Uni.createFrom().item(found)
                : jobRows.findById(jobId).map(job -> {
                    stopped.set(job == null || job.state == JobState.STOPPED);
                    return found;
                }));
    }
}
