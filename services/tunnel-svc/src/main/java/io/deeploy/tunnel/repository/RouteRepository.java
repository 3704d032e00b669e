package io.deeploy.tunnel.repository;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Arrays;
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

    public Uni<Long> deleteForJobOutside(String jobId, List<String> nodeIds) {
        return delete("key.jobId = ?1 and key.nodeId not in ?2", jobId, nodeIds);
    }

    /** The nodes of the job's newest placement, or null if none was seen. */
    public Uni<List<String>> placedNodes(String jobId) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "SELECT node_ids FROM job_placement WHERE job_id = ?1", String.class).setParameter(1, jobId).getResultList())
                .map(rows -> rows.isEmpty() ? null : Arrays.asList(rows.get(0).split(",")));
    }

    /** Records a placement unless a newer one is already recorded; true if it is now the newest. */
    public Uni<Boolean> recordPlacement(String jobId, long placement, List<String> nodeIds) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "INSERT INTO job_placement (job_id, placement, node_ids) VALUES (?1, ?2, ?3) ON CONFLICT (job_id) DO UPDATE "
                        + "SET placement = excluded.placement, node_ids = excluded.node_ids "
                        + "WHERE job_placement.placement < excluded.placement")
                .setParameter(1, jobId).setParameter(2, placement).setParameter(3, String.join(",", nodeIds)).executeUpdate())
                .map(updated -> updated > 0);
    }

    public Uni<Long> deleteForJobOnNode(String jobId, String nodeId) {
        return delete("key.jobId = ?1 and key.nodeId = ?2", jobId, nodeId);
    }
}
