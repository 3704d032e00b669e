package io.deeploy.tunnel.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class RouteRepository implements PanacheRepositoryBase<Route, Route.Key> {

    public Uni<List<Route>> listByAlias(String alias) {
        return list("alias = ?1 order by key.nodeId", alias);
    }

    public Uni<Long> countForJob(String jobId) {
        return count("key.jobId = ?1", jobId);
    }

    public Uni<Long> deleteForJob(String jobId) {
        return delete("key.jobId = ?1", jobId);
    }

    public Uni<Long> deleteForJobOnNode(String jobId, String nodeId) {
        return delete("key.jobId = ?1 and key.nodeId = ?2", jobId, nodeId);
    }
}
