package io.deeploy.project.service;

import io.deeploy.project.config.AuthConfig;
import io.deeploy.project.repository.WalletSession;
import io.deeploy.project.repository.WalletSessionRepository;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * Sign-in sessions: the wallet's own signature starts one, and its token then acts as the wallet (not where only the
 * signature may act) until it expires or is ended. A wallet keeps at most {@link #MAX_PER_WALLET} live sessions: a new
 * one ends the oldest beyond that, so a leaked signature cannot flood the table.
 */
@ApplicationScoped
public class WalletSessionService {

    static final int MAX_PER_WALLET = 20;

    private final WalletSessionRepository sessions;
    private final AuthConfig config;

    public WalletSessionService(WalletSessionRepository sessions, AuthConfig config) {
        this.sessions = sessions;
        this.config = config;
    }

    /** A new session and its token (shown only here; only its hash is kept). */
    public record Started(WalletSession session, String token) {
    }

    @WithTransaction
    public Uni<Started> start(Caller caller) {
        ProjectAccess.requireSigner(caller, "starting a sign-in session");
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        String token = ApiTokens.newSessionToken();
        WalletSession session = new WalletSession();
        session.id = "ses-" + UUID.randomUUID();
        session.address = caller.address();
        session.tokenHash = ApiTokens.hash(token);
        session.createdAt = now;
        session.expiresAt = now.plus(config.sessionTtl());
        return sessions.deleteExpiredOf(caller.address(), now)
                .chain(() -> sessions.list("address = ?1 order by createdAt desc", caller.address()))
                .chain(live -> {
                    Uni<Void> trimmed = Uni.createFrom().voidItem();
                    for (WalletSession old : live.subList(Math.min(live.size(), MAX_PER_WALLET - 1), live.size())) {
                        trimmed = trimmed.chain(() -> sessions.deleteById(old.id)).replaceWithVoid();
                    }
                    return trimmed;
                })
                .chain(() -> sessions.persist(session))
                .map(saved -> new Started(saved, token));
    }

    /**
     * Ends the caller's session (with a session's token), or every session of the wallet (with its signature); an API
     * token has none.
     */
    @WithTransaction
    public Uni<Long> end(Caller caller) {
        if (caller.viaToken()) {
            return Uni.createFrom().failure(new ApiException(403, "TOKEN_SCOPE", null,
                    "an API token has no sign-in session to end"));
        }
        return caller.viaSession() ? sessions.delete("id", caller.sessionId()) : sessions.deleteOfAddress(caller.address());
    }
}
