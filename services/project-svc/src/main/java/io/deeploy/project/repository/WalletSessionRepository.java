package io.deeploy.project.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

@ApplicationScoped
public class WalletSessionRepository implements PanacheRepositoryBase<WalletSession, String> {

    public Uni<WalletSession> findLiveByHash(String tokenHash, Instant now) {
        return find("tokenHash = ?1 and expiresAt > ?2", tokenHash, now).firstResult();
    }

    /** Ends every session of {@code address}, and forgets its expired ones. */
    public Uni<Long> deleteOfAddress(String address) {
        return delete("address = ?1", address);
    }

    public Uni<Long> deleteExpiredOf(String address, Instant now) {
        return delete("address = ?1 and expiresAt <= ?2", address, now);
    }
}
