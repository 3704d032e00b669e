package io.deeploy.project.service;

import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.project.repository.JobRepository;
import io.deeploy.project.repository.JobWebhookRepository;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.function.Function;

/**
 * Push webhooks per job: the owner (or a delegate with the create permission) makes one for a WAR job and puts its URL
 * and secret in the repository's settings on GitHub, GitLab or Gitea; a push to the job's branch then deploys its head at
 * once ({@link JobLifecycle#redeployOnPush}), instead of when the nodes next poll. The secret is shown once, when it is
 * made or rotated, and kept sealed; each delivery must prove it holds it ({@link ForgePush}).
 */
@ApplicationScoped
public class JobWebhookService {

    /** Where pushes are delivered: the webhook's id follows. */
    public static final String HOOKS_PATH = "/api/hooks/";

    /** A webhook as made: its secret is in this answer only. */
    public record Created(String jobId, String path, String secret, Instant createdAt) {
    }

    /** A webhook as shown later: no secret. */
    public record Described(String jobId, String path, Instant createdAt) {
    }

    /** What a delivery did: the revision it made, or why it made none. */
    public record Delivered(String jobId, String forge, Long revision, String ignored) {
    }

    private final SecureRandom random = new SecureRandom();
    private final JobService jobs;
    private final JobRepository jobRows;
    private final JobWebhookRepository hooks;
    private final SecretCipher cipher;
    private final JobLifecycle lifecycle;

    public JobWebhookService(JobService jobs, JobRepository jobRows, JobWebhookRepository hooks, SecretCipher cipher,
            JobLifecycle lifecycle) {
        this.jobs = jobs;
        this.jobRows = jobRows;
        this.hooks = hooks;
        this.cipher = cipher;
        this.lifecycle = lifecycle;
    }

    /** Makes the job's webhook, or rotates it: a new URL and secret, the old ones refused from now on. */
    @WithTransaction
    public Uni<Created> create(Caller caller, String jobId) {
        return jobs.permittedJob(caller, jobId, Permission.CREATE).chain(job -> {
            if (job.state == JobState.STOPPING || job.state == JobState.STOPPED) {
                throw ApiException.conflict("JOB_STOPPED", "job " + job.id + " is " + job.state + ": it takes no pushes");
            }
            if (EventCodec.fromJson(job.spec, JobSpec.class).kind() != JobKind.WAR) {
                throw ApiException.invalid("kind", "a CAR job runs an image and has no repository to push to");
            }
            String hookId = "wh_" + randomHex(16);
            String secret = randomHex(32);
            Instant now = Instant.now();
            return hooks.put(job.id, hookId, cipher.seal(secret, context(job.id)), now)
                    .replaceWith(new Created(job.id, HOOKS_PATH + hookId, secret, now));
        });
    }

    @WithSession
    public Uni<Described> describe(Caller caller, String jobId) {
        return jobs.readable(caller, jobId).chain(job -> hooks.ofJob(job.id)).map(hook -> {
            if (hook == null) {
                throw ApiException.notFound("WEBHOOK_NOT_FOUND", "job " + jobId + " has no webhook");
            }
            return new Described(hook.jobId(), HOOKS_PATH + hook.hookId(), hook.createdAt());
        });
    }

    @WithTransaction
    public Uni<Void> delete(Caller caller, String jobId) {
        return jobs.permittedJob(caller, jobId, Permission.CREATE).chain(job -> hooks.delete(job.id)).invoke(deleted -> {
            if (!deleted) {
                throw ApiException.notFound("WEBHOOK_NOT_FOUND", "job " + jobId + " has no webhook");
            }
        }).replaceWithVoid();
    }

    /**
     * A forge's delivery to webhook {@code hookId}: 404 WEBHOOK_NOT_FOUND for no such webhook, 401 unless it proves the
     * secret. A push to the job's branch makes a new revision (once per delivery: a delivery sent again changes
     * nothing); anything else (another branch, a tag, a deleted branch, a ping, a job rolled back to a commit and so
     * paused, or stopped) is answered with why it was ignored.
     */
    @WithTransaction
    public Uni<Delivered> deliver(String hookId, Function<String, String> header, byte[] body) {
        return hooks.byHook(hookId).chain(hook -> {
            if (hook == null) {
                throw ApiException.notFound("WEBHOOK_NOT_FOUND", "no such webhook");
            }
            ForgePush push = ForgePush.read(header, body, cipher.open(hook.secret(), context(hook.jobId())));
            return jobRows.findById(hook.jobId()).chain(job -> {
                JobSpec spec = EventCodec.fromJson(job.spec, JobSpec.class);
                String ignored = !push.isPush() ? "a " + push.event() + " event, not a push"
                        : push.branch() == null ? "a push to " + push.ref() + ", not to a branch"
                        : !push.branch().equals(spec.vcs().branch()) ? "a push to " + push.branch() + ", not to "
                                + spec.vcs().branch()
                        : push.deletes() ? "the branch was deleted"
                        : spec.vcs().pinned() ? "auto-deploy is paused (rolled back to a commit): resume the job first"
                        : job.state == JobState.STOPPING || job.state == JobState.STOPPED ? "the job is " + job.state
                        : null;
                if (ignored != null) {
                    return Uni.createFrom().item(new Delivered(job.id, push.forge(), null, ignored));
                }
                return lifecycle.redeployOnPush(job, push)
                        .map(revision -> new Delivered(job.id, push.forge(), revision, null));
            });
        });
    }

    private String randomHex(int bytes) {
        byte[] value = new byte[bytes];
        random.nextBytes(value);
        return HexFormat.of().formatHex(value);
    }

    /** Binds a sealed secret to its job, so that it cannot be moved to another row and opened there. */
    private static String context(String jobId) {
        return "webhook:" + jobId;
    }
}
