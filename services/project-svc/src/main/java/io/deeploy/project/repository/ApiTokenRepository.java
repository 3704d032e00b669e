package io.deeploy.project.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class ApiTokenRepository implements PanacheRepositoryBase<ApiToken, String> {

    public Uni<ApiToken> findActiveByHash(String tokenHash) {
        return find("tokenHash = ?1 and revokedAt is null", tokenHash).firstResult();
    }

    public Uni<List<ApiToken>> activeOfProject(String projectId) {
        return list("projectId = ?1 and revokedAt is null order by createdAt", projectId);
    }

    public Uni<Integer> revokeAllOfProject(String projectId, java.time.Instant at) {
        return update("revokedAt = ?1 where projectId = ?2 and revokedAt is null", at, projectId);
    }
}
