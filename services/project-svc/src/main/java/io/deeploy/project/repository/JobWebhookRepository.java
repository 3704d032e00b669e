package io.deeploy.project.repository;

import io.deeploy.project.service.SecretCipher.Sealed;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;

/** Each job's push webhook (table job_webhook). Runs in the caller's session and transaction. */
@ApplicationScoped
public class JobWebhookRepository {

    /** A job's webhook: the id in its URL, its sealed secret, and when it was made. */
    public record Webhook(String jobId, String hookId, Sealed secret, Instant createdAt) {
    }

    /** Makes the job's webhook, or replaces it (a rotation: the old URL and secret stop working at once). */
    public Uni<Void> put(String jobId, String hookId, Sealed secret, Instant at) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "INSERT INTO job_webhook (job_id, hook_id, key_id, nonce, ciphertext, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                        + "ON CONFLICT (job_id) DO UPDATE SET hook_id = EXCLUDED.hook_id, key_id = EXCLUDED.key_id, "
                        + "nonce = EXCLUDED.nonce, ciphertext = EXCLUDED.ciphertext, created_at = EXCLUDED.created_at")
                .setParameter(1, jobId).setParameter(2, hookId).setParameter(3, secret.keyId())
                .setParameter(4, secret.nonce()).setParameter(5, secret.ciphertext())
                .setParameter(6, at.atOffset(ZoneOffset.UTC)).executeUpdate()).replaceWithVoid();
    }

    public Uni<Webhook> ofJob(String jobId) {
        return one("job_id", jobId);
    }

    public Uni<Webhook> byHook(String hookId) {
        return one("hook_id", hookId);
    }

    /** Returns whether the job had one. */
    public Uni<Boolean> delete(String jobId) {
        return Panache.getSession().chain(session -> session.createNativeQuery("DELETE FROM job_webhook WHERE job_id = ?1")
                .setParameter(1, jobId).executeUpdate()).map(deleted -> deleted > 0);
    }

    private Uni<Webhook> one(String column, String value) {
        return Panache.getSession().chain(session -> session.createNativeQuery("SELECT job_id, hook_id, key_id, nonce, "
                        + "ciphertext, created_at FROM job_webhook WHERE " + column + " = ?1", Object[].class)
                .setParameter(1, value).getResultList())
                .map(rows -> rows.isEmpty() ? null : new Webhook((String) rows.get(0)[0], (String) rows.get(0)[1],
                        new Sealed((String) rows.get(0)[2], (byte[]) rows.get(0)[3], (byte[]) rows.get(0)[4]),
                        SqlTimes.instant(rows.get(0)[5])));
    }
}
