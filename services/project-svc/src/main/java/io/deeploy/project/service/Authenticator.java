package io.deeploy.project.service;

import io.deeploy.project.config.AuthConfig;
import io.deeploy.project.repository.ApiTokenRepository;
import io.deeploy.project.repository.ProjectRepository;
import io.deeploy.project.repository.RequestNonceRepository;
import io.deeploy.project.repository.WalletSessionRepository;
import io.deeploy.signing.Audience;
import io.deeploy.signing.SignedRequest;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Proves who sent an API request: a wallet signature ({@link SignedRequest}) whose nonce is fresh and unused, a live
 * sign-in session of a wallet, or an API token. Every refusal is a 401 with its own code and changes nothing but, for a
 * valid signature, the replay cache.
 */
@ApplicationScoped
public class Authenticator {

    static final String BEARER = "Bearer ";
    static final Duration PURGE_EVERY = Duration.ofMinutes(1);

    private final AuthConfig config;
    /** This installation's audience ({@link Audience}). */
    private final String audience;
    private final RequestNonceRepository nonces;
    private final ApiTokenRepository tokens;
    private final ProjectRepository projects;
    private final WalletSessionRepository sessions;
    private final AtomicLong lastPurgeMillis = new AtomicLong();

    public Authenticator(AuthConfig config, Audience audience, RequestNonceRepository nonces, ApiTokenRepository tokens,
            ProjectRepository projects, WalletSessionRepository sessions) {
        this.config = config;
        this.audience = audience.value();
        this.nonces = nonces;
        this.tokens = tokens;
        this.projects = projects;
        this.sessions = sessions;
    }

    /** What a request says about its sender; {@code target} is the raw path and query as sent. */
    public record RequestFacts(String method, String target, byte[] body, String authorization, String sender, String nonce,
            String signature) {
    }

    /** A checked signature: the sender and the nonce to claim. */
    record Verified(String sender, long nonceMillis) {
    }

    public Uni<Caller> authenticate(RequestFacts request) {
        boolean signed = request.sender() != null || request.nonce() != null || request.signature() != null;
        if (request.authorization() != null) {
            if (signed) {
                return Uni.createFrom().failure(unauthorized("AUTH_AMBIGUOUS",
                        "send either an API token or a signature, not both"));
            }
            return byToken(request.authorization());
        }
        Verified verified;
        try {
            verified = verify(request, audience, Instant.now(), config.nonceMaxAge(), config.maxClockSkew());
        } catch (ApiException e) {
            return Uni.createFrom().failure(e);
        }
        return claim(verified).replaceWith(Caller.wallet(verified.sender()));
    }

    /**
     * The pure part of the check: headers present and well formed, nonce inside the window, signature by the sender.
     * Costs one public-key recovery and touches nothing.
     */
    static Verified verify(RequestFacts request, String audience, Instant now, Duration maxAge, Duration maxSkew) {
        if (request.sender() == null || request.nonce() == null || request.signature() == null) {
            throw unauthorized("AUTH_REQUIRED", "sign the request (headers " + SignedRequest.SENDER_HEADER + ", "
                    + SignedRequest.NONCE_HEADER + ", " + SignedRequest.SIGNATURE_HEADER + ") or send an API token "
                    + "(Authorization: Bearer ...); see GET /api/auth");
        }
        String sender;
        long nonceMillis;
        try {
            sender = SignedRequest.normalizeAddress(request.sender());
        } catch (IllegalArgumentException e) {
            throw unauthorized("SENDER_MALFORMED", SignedRequest.SENDER_HEADER + ": " + e.getMessage());
        }
        try {
            nonceMillis = SignedRequest.nonceMillis(request.nonce());
        } catch (IllegalArgumentException e) {
            throw unauthorized("NONCE_MALFORMED", SignedRequest.NONCE_HEADER + ": " + e.getMessage());
        }
        long ageMillis = now.toEpochMilli() - nonceMillis;
        if (ageMillis > maxAge.toMillis()) {
            throw unauthorized("NONCE_EXPIRED", "the nonce is " + (ageMillis / 1000) + " s old; a signed request is valid for "
                    + maxAge.toSeconds() + " s: sign it again");
        }
        if (-ageMillis > maxSkew.toMillis()) {
            throw unauthorized("NONCE_IN_FUTURE", "the nonce is " + (-ageMillis / 1000) + " s ahead of this server's clock "
                    + "(at most " + maxSkew.toSeconds() + " s allowed): check the client's clock");
        }
        String message = SignedRequest.message(audience, request.method(), request.target(), request.nonce(), request.body());
        String signer;
        try {
            signer = SignedRequest.recoverSigner(message, request.signature());
        } catch (IllegalArgumentException e) {
            throw unauthorized("SIGNATURE_MALFORMED", SignedRequest.SIGNATURE_HEADER + ": " + e.getMessage());
        }
        if (!signer.equals(sender)) {
            throw unauthorized("SIGNATURE_INVALID", "the signature was not made by " + sender + " over this request "
                    + "(method, path, body, nonce and audience '" + audience + "')");
        }
        return new Verified(sender, nonceMillis);
    }

    /** Spends the nonce in a transaction of its own, so the request cannot be replayed whatever becomes of it. */
    private Uni<Void> claim(Verified verified) {
        Instant now = Instant.now();
        Instant expiresAt = Instant.ofEpochMilli(verified.nonceMillis()).plus(config.nonceMaxAge());
        boolean purge = now.toEpochMilli() - lastPurgeMillis.get() > PURGE_EVERY.toMillis();
        if (purge) {
            lastPurgeMillis.set(now.toEpochMilli());
        }
        return Panache.withTransaction(() -> (purge ? nonces.purgeExpired(now).replaceWithVoid() : Uni.createFrom().voidItem())
                .chain(() -> nonces.claim(verified.sender(), verified.nonceMillis(), expiresAt)))
                .chain(fresh -> fresh ? Uni.createFrom().voidItem()
                        : Uni.createFrom().failure(unauthorized("NONCE_REPLAYED",
                                "this nonce was already used by " + verified.sender() + ": every signed request needs a new one")));
    }

    private Uni<Caller> byToken(String authorization) {
        if (!authorization.startsWith(BEARER) || !ApiTokens.looksLikeToken(authorization.substring(BEARER.length()))) {
            return Uni.createFrom().failure(unauthorized("TOKEN_INVALID",
                    "Authorization must be 'Bearer dpt_...' (an API token) or 'Bearer dps_...' (a sign-in session)"));
        }
        String hash = ApiTokens.hash(authorization.substring(BEARER.length()));
        if (ApiTokens.isSession(authorization.substring(BEARER.length()))) {
            return Panache.withSession(() -> sessions.findLiveByHash(hash, Instant.now())).map(session -> {
                if (session == null) {
                    throw unauthorized("SESSION_INVALID", "this sign-in session is unknown, ended or expired: sign in again");
                }
                return Caller.session(session.address, session.id);
            });
        }
        return Panache.withSession(() -> tokens.findActiveByHash(hash).chain(token -> token == null
                ? Uni.createFrom().<Caller>failure(unauthorized("TOKEN_INVALID", "this API token is unknown or revoked"))
                : projects.findLive(token.projectId).map(project -> {
                    if (project == null) {
                        throw unauthorized("TOKEN_INVALID", "this API token's project was deleted");
                    }
                    return Caller.token(project.owner, token.id, token.name, token.projectId, token.permissions);
                })));
    }

    static ApiException unauthorized(String code, String message) {
        return new ApiException(401, code, null, message);
    }
}
