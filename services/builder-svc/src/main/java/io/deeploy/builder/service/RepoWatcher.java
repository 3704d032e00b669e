package io.deeploy.builder.service;

import io.deeploy.builder.client.GitClient;
import io.deeploy.events.Backoff;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.jboss.logging.Logger;

/**
 * Watches the branches of this node's WAR jobs: one watcher per (repository, branch), shared by every job that
 * deploys it. Each asks the remote for the branch head (ls-remote) at the shortest poll interval of its jobs, with
 * jitter, backing off exponentially while the remote fails; a webhook makes it ask at once. A head it has not seen
 * yet is handed to each of its jobs' runners, which deploy it. A head is handed on once, so a commit that fails to
 * build is not rebuilt on every poll.
 */
@ApplicationScoped
public class RepoWatcher {

    private static final Logger LOG = Logger.getLogger(RepoWatcher.class);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(10);

    record Branch(String url, String branch) {
    }

    static final class Watch {
        final Map<String, Integer> pollSecondsByJob = new ConcurrentHashMap<>();
        /** Jobs of a private repository bring credentials; any of them opens the branch. */
        final Map<String, CredentialsProvider> credentialsByJob = new ConcurrentHashMap<>();
        volatile String lastSeen;
        volatile int failures;
        volatile long nextPollAt;
    }

    /** How a watched branch moved: a poll found it, or a webhook asked. */
    public enum Trigger {
        POLL,
        WEBHOOK
    }

    private final GitClient git;
    private final Map<Branch, Watch> watches = new ConcurrentHashMap<>();
    private volatile BiConsumer<String, String> onNewCommit = (jobId, commit) -> { };
    private ScheduledExecutorService ticker;

    public RepoWatcher(GitClient git) {
        this.git = git;
    }

    /** Who is told of a job's new commit (job id, commit). */
    public void onNewCommit(BiConsumer<String, String> listener) {
        this.onNewCommit = listener;
    }

    void start(@Observes StartupEvent startup) {
        ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "deeploy-repo-watcher");
            thread.setDaemon(true);
            return thread;
        });
        ticker.scheduleWithFixedDelay(this::pollDue, 1, 1, TimeUnit.SECONDS);
    }

    void stop(@Observes ShutdownEvent shutdown) {
        if (ticker != null) {
            ticker.shutdownNow();
        }
    }

    /** Starts (or goes on) watching a job's branch, which now serves {@code commit}. */
    public void watch(String jobId, String url, String branch, int pollSeconds, String commit, CredentialsProvider credentials) {
        Watch watch = watches.computeIfAbsent(new Branch(url, branch), b -> new Watch());
        boolean first = watch.pollSecondsByJob.isEmpty();
        watch.pollSecondsByJob.put(jobId, pollSeconds);
        if (credentials != null) {
            watch.credentialsByJob.put(jobId, credentials);
        }
        if (first || watch.lastSeen == null) {
            watch.lastSeen = commit;
            watch.nextPollAt = System.currentTimeMillis() + jittered(pollSeconds);
        }
    }

    public void unwatch(String jobId) {
        watches.entrySet().removeIf(entry -> {
            entry.getValue().pollSecondsByJob.remove(jobId);
            entry.getValue().credentialsByJob.remove(jobId);
            return entry.getValue().pollSecondsByJob.isEmpty();
        });
    }

    /** A push was announced for this branch: ask the remote now. Returns whether any job here watches it. */
    public boolean pushed(String url, String branch) {
        Watch watch = watches.get(new Branch(url, branch));
        if (watch == null) {
            return false;
        }
        ticker.execute(() -> poll(new Branch(url, branch), watch, Trigger.WEBHOOK));
        return true;
    }

    public Set<String> watchedJobs() {
        return watches.values().stream().flatMap(w -> w.pollSecondsByJob.keySet().stream()).collect(java.util.stream.Collectors.toSet());
    }

    private void pollDue() {
        long now = System.currentTimeMillis();
        watches.forEach((branch, watch) -> {
            if (now >= watch.nextPollAt) {
                poll(branch, watch, Trigger.POLL);
            }
        });
    }

    private void poll(Branch branch, Watch watch, Trigger trigger) {
        int interval = watch.pollSecondsByJob.values().stream().min(Integer::compare).orElse(60);
        try {
            CredentialsProvider credentials = watch.credentialsByJob.values().stream().findFirst().orElse(null);
            String head = git.headOf(branch.url(), branch.branch(), credentials);
            watch.failures = 0;
            watch.nextPollAt = System.currentTimeMillis() + jittered(interval);
            if (head != null && !head.equals(watch.lastSeen)) {
                watch.lastSeen = head;
                LOG.infof("%s %s moved to %s (%s)", branch.url(), branch.branch(), head, trigger);
                for (String jobId : watch.pollSecondsByJob.keySet()) {
                    onNewCommit.accept(jobId, head);
                }
            }
        } catch (Exception e) {
            watch.failures++;
            long backoff = new Backoff(Duration.ofSeconds(2L * interval), MAX_BACKOFF).after(watch.failures).toMillis();
            watch.nextPollAt = System.currentTimeMillis() + backoff;
            LOG.warnf("cannot read %s %s (%d failures, next try in %d s): %s", branch.url(), branch.branch(), watch.failures,
                    backoff / 1000, e.getMessage());
        }
    }

    /** The interval with up to ±10 % jitter, so that watchers of many jobs do not poll in lockstep. */
    static long jittered(int seconds) {
        long base = seconds * 1000L;
        return base + ThreadLocalRandom.current().nextLong(-base / 10, base / 10 + 1);
    }
}
