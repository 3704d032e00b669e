package io.deeploy.project.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** How API callers prove who they are: signed requests and API tokens (see {@code io.deeploy.signing.SignedRequest}). */
@ConfigMapping(prefix = "deeploy.auth")
public interface AuthConfig {

    /**
     * Names this installation in every signed request, so a signature made for one Deeploy is worthless at another
     * (env DEEPLOY_AUDIENCE). Unset: made at random on first start and kept in {@link #audienceFile()}; never a name
     * shared by installations. Clients read it from {@code GET /api/auth}.
     */
    @WithDefault("${deeploy.audience:}")
    Optional<String> audience();

    /** Where a made audience is kept (shared with the node gateway of a single-machine install). */
    @WithDefault("${deeploy.audience-file:${user.home}/.deeploy/audience}")
    String audienceFile();

    /** How old a nonce (the signing time) may be. The seed allowed 12 h; a short window keeps the replay cache small. */
    @WithDefault("PT10M")
    Duration nonceMaxAge();

    /** How far in the future a nonce may be, for clocks that run a little fast. */
    @WithDefault("PT30S")
    Duration maxClockSkew();

    /**
     * How long a sign-in session ({@code POST /api/auth/sessions}) acts for its wallet: the console signs once at
     * sign-in, then sends the session's token.
     */
    @WithDefault("PT12H")
    Duration sessionTtl();

    /** How long a log grant ({@code GET /api/jobs/{id}/log-grant}) opens a job's logs on its nodes. */
    @WithDefault("PT10M")
    Duration logGrantTtl();

    /** The Ed25519 key that signs log grants, made on first start (owner-only); nodes verify grants with its public half. */
    @WithDefault("${user.home}/.deeploy/log-grant.key")
    String logGrantKeyFile();
}
