package io.deeploy.project.repository;

import io.deeploy.project.service.SecretCipher.Sealed;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Encrypted job secrets, by job and name. Runs in the caller's session and transaction. */
@ApplicationScoped
public class JobSecretRepository {

    /** A stored row: whose, which, and its sealed value. */
    public record Row(String jobId, String name, Sealed sealed) {
    }

    /** Stores the secret, replacing the job's secret of the same name (an edit that sets a new value). */
    public Uni<Void> put(String jobId, String name, Sealed sealed) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "INSERT INTO job_secret (job_id, name, key_id, nonce, ciphertext, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                        + "ON CONFLICT (job_id, name) DO UPDATE SET key_id = EXCLUDED.key_id, nonce = EXCLUDED.nonce, "
                        + "ciphertext = EXCLUDED.ciphertext, created_at = EXCLUDED.created_at")
                .setParameter(1, jobId).setParameter(2, name).setParameter(3, sealed.keyId())
                .setParameter(4, sealed.nonce()).setParameter(5, sealed.ciphertext())
                .setParameter(6, OffsetDateTime.now(ZoneOffset.UTC))
                .executeUpdate()).replaceWithVoid();
    }

    public Uni<Map<String, Sealed>> ofJob(String jobId) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "SELECT name, key_id, nonce, ciphertext FROM job_secret WHERE job_id = ?1 ORDER BY name", Object[].class)
                .setParameter(1, jobId).getResultList()).map(rows -> {
                    Map<String, Sealed> secrets = new LinkedHashMap<>();
                    for (Object[] row : rows) {
                        secrets.put((String) row[0], new Sealed((String) row[1], (byte[]) row[2], (byte[]) row[3]));
                    }
                    return secrets;
                });
    }

    /** Rows sealed under any key but {@code keyId}, for re-encryption after a rotation. */
    public Uni<List<Row>> notUnderKey(String keyId, int limit) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "SELECT job_id, name, key_id, nonce, ciphertext FROM job_secret WHERE key_id <> ?1 LIMIT ?2", Object[].class)
                .setParameter(1, keyId).setParameter(2, limit).getResultList())
                .map(rows -> rows.stream().map(row -> new Row((String) row[0], (String) row[1],
                        new Sealed((String) row[2], (byte[]) row[3], (byte[]) row[4]))).toList());
    }

    public Uni<Void> replace(Row row, Sealed sealed) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "UPDATE job_secret SET key_id = ?3, nonce = ?4, ciphertext = ?5 WHERE job_id = ?1 AND name = ?2")
                .setParameter(1, row.jobId()).setParameter(2, row.name()).setParameter(3, sealed.keyId())
                .setParameter(4, sealed.nonce()).setParameter(5, sealed.ciphertext()).executeUpdate()).replaceWithVoid();
    }

    public Uni<Integer> deleteOfJob(String jobId) {
        return Panache.getSession().chain(session -> session.createNativeQuery("DELETE FROM job_secret WHERE job_id = ?1")
                .setParameter(1, jobId).executeUpdate());
    }
}
