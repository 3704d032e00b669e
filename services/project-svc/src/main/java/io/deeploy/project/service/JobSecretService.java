package io.deeploy.project.service;

import io.deeploy.project.repository.JobRepository;
import io.deeploy.project.repository.JobSecretRepository;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * A job's secrets: sealed when the job is created, handed to the node gateway for the nodes the job is allocated to,
 * deleted when the job has stopped. Values never leave this class except towards the authenticated gateway.
 */
@ApplicationScoped
public class JobSecretService {

    private static final Logger LOG = Logger.getLogger(JobSecretService.class);
    static final int REENCRYPT_BATCH = 200;

    private final JobSecretRepository secrets;
    private final JobRepository jobs;
    private final SecretCipher cipher;

    public JobSecretService(JobSecretRepository secrets, JobRepository jobs, SecretCipher cipher) {
        this.secrets = secrets;
        this.jobs = jobs;
        this.cipher = cipher;
    }

    /**
     * Seals and stores the job's secrets, replacing those of the same names; runs in the transaction that creates or
     * revises the job.
     */
    public Uni<Void> store(String jobId, Map<String, String> values) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Map.Entry<String, String> entry : values.entrySet()) {
            chain = chain.chain(() -> secrets.put(jobId, entry.getKey(), cipher.seal(entry.getValue(), context(jobId, entry.getKey()))));
        }
        return chain;
    }

    /**
     * The secrets of a live job, for the node gateway, which hands them only to a node the job is allocated to (it owns
     * the allocations and checks that). A stopped job has none left.
     */
    @WithTransaction
    public Uni<Map<String, String>> forGateway(String jobId) {
        if (!Ids.wellFormed(jobId)) {
            return Uni.createFrom().failure(ApiException.notFound("JOB_NOT_FOUND", "no live job " + jobId));
        }
        return jobs.findById(jobId).chain(job -> {
            if (job == null || job.state == JobState.STOPPED) {
                return Uni.createFrom().failure(ApiException.notFound("JOB_NOT_FOUND", "no live job " + jobId));
            }
            return secrets.ofJob(jobId).map(sealed -> {
                Map<String, String> open = new LinkedHashMap<>();
                sealed.forEach((name, value) -> open.put(name, cipher.open(value, context(jobId, name))));
                return open;
            });
        });
    }

    /** Removes a stopped job's secrets; runs in the transaction that records the stop. */
    public Uni<Void> deleteOfJob(String jobId) {
        return secrets.deleteOfJob(jobId).replaceWithVoid();
    }

    /** After a key rotation, moves every secret under the newest key, so an old key can be retired. */
    void reencryptOnStart(@Observes StartupEvent event) throws Throwable {
        int moved = VertxContextSupport.subscribeAndAwait(this::reencryptAll);
        if (moved > 0) {
            LOG.infof("re-encrypted %d secrets under key %s", moved, cipher.primaryKeyId());
        }
    }

    Uni<Integer> reencryptAll() {
        return reencryptBatch().chain(count -> count < REENCRYPT_BATCH ? Uni.createFrom().item(count)
                : reencryptAll().map(rest -> rest + count));
    }

    @WithTransaction
    Uni<Integer> reencryptBatch() {
        return secrets.notUnderKey(cipher.primaryKeyId(), REENCRYPT_BATCH).chain(rows -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (JobSecretRepository.Row row : rows) {
                String context = context(row.jobId(), row.name());
                chain = chain.chain(() -> secrets.replace(row, cipher.seal(cipher.open(row.sealed(), context), context)));
            }
            return chain.replaceWith(rows.size());
        });
    }

    /** The associated data binding a ciphertext to its row. */
    static String context(String jobId, String name) {
        return "deeploy/job-secret/" + jobId + "/" + name;
    }
}
