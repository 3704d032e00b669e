package io.deeploy.project.service;

import io.deeploy.project.repository.ApiToken;
import io.deeploy.project.repository.ApiTokenRepository;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * API tokens for scripts and CI, each scoped to one project. Only the project's owner, by signature, makes or revokes
 * them. The token is returned once, when it is made; a retry of the same command (same Idempotency-Key) gets the
 * token's description without it, because only its hash was kept.
 */
@ApplicationScoped
public class ApiTokenService {

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}");
    /** Tokens a project may hold at once, so a leaked owner signature cannot flood the table. */
    static final int MAX_PER_PROJECT = 50;

    private final ApiTokenRepository tokens;
    private final ProjectAccess access;
    private final IdempotentCommands commands;

    public ApiTokenService(ApiTokenRepository tokens, ProjectAccess access, IdempotentCommands commands) {
        this.tokens = tokens;
        this.access = access;
        this.commands = commands;
    }

    /** What a create request asks for, validated. */
    public record TokenRequest(String name, int permissions) {
    }

    /** A token's description, and the token itself only in the answer that created it. */
    public record Issued(ApiToken token, String secret) {
    }

    public static TokenRequest validate(String name, List<String> permissions) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ApiException.invalid("name", "name is 1-100 letters, digits, spaces or . _ - and starts with a letter or digit");
        }
        return new TokenRequest(name, Permission.bitsOf(permissions, "permissions"));
    }

    @WithTransaction
    public Uni<Issued> create(Caller caller, String projectId, TokenRequest request, String idempotencyKey) {
        String[] secret = new String[1];
        return access.ownedBySigner(caller, projectId)
                .chain(project -> commands.execute("token.create:" + caller.address(), idempotencyKey,
                        java.util.Map.of("projectId", projectId, "name", request.name(), "permissions", request.permissions()),
                        () -> tokens.count("projectId = ?1 and revokedAt is null", projectId).chain(count -> {
                            if (count >= MAX_PER_PROJECT) {
                                return Uni.createFrom().failure(ApiException.conflict("TOO_MANY_TOKENS",
                                        "project " + projectId + " already has " + MAX_PER_PROJECT + " tokens; revoke one first"));
                            }
                            secret[0] = ApiTokens.newToken();
                            ApiToken token = new ApiToken();
                            token.id = "tok-" + UUID.randomUUID();
                            token.projectId = projectId;
                            token.name = request.name();
                            token.permissions = request.permissions();
                            token.tokenHash = ApiTokens.hash(secret[0]);
                            token.createdAt = Instant.now();
                            return tokens.persist(token).map(t -> t.id);
                        })))
                .chain(outcome -> tokens.findById(outcome.resourceId())
                        .map(token -> new Issued(token, outcome.created() ? secret[0] : null)));
    }

    @WithSession
    public Uni<List<ApiToken>> list(Caller caller, String projectId) {
        return access.ownedBySigner(caller, projectId).chain(project -> tokens.activeOfProject(projectId));
    }

    /** Revokes a token at once; revoking a revoked or unknown token of the project is a 404. */
    @WithTransaction
    public Uni<Void> revoke(Caller caller, String projectId, String tokenId) {
        return access.ownedBySigner(caller, projectId)
                .chain(project -> Ids.wellFormed(tokenId) ? tokens.findById(tokenId) : Uni.createFrom().<ApiToken>nullItem())
                .chain(token -> {
            if (token == null || !token.projectId.equals(projectId) || token.revokedAt != null) {
                return Uni.createFrom().failure(ApiException.notFound("TOKEN_NOT_FOUND", "no active token " + tokenId
                        + " in project " + projectId));
            }
            token.revokedAt = Instant.now();
            return Uni.createFrom().voidItem();
        });
    }
}
