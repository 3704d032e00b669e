package io.deeploy.project.repository;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;

/** The replay cache of signed requests. */
@ApplicationScoped
public class RequestNonceRepository {

    /**
     * Records that {@code sender} used {@code nonceMs}; false if it had already been used. The primary key makes the
     * check and the record one atomic step, so two copies of a request racing each other cannot both pass.
     */
    public Uni<Boolean> claim(String sender, long nonceMs, Instant expiresAt) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "INSERT INTO request_nonce (sender, nonce_ms, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING")
                .setParameter(1, sender).setParameter(2, nonceMs).setParameter(3, expiresAt.atOffset(ZoneOffset.UTC))
                .executeUpdate()).map(inserted -> inserted == 1);
    }

    /** Forgets nonces that have left the window; they would be refused as expired anyway. */
    public Uni<Integer> purgeExpired(Instant now) {
        return Panache.getSession().chain(session -> session.createNativeQuery("DELETE FROM request_nonce WHERE expires_at < ?1")
                .setParameter(1, now.atOffset(ZoneOffset.UTC)).executeUpdate());
    }
}
