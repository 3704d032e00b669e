package io.deeploy.escrow.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;

@ApplicationScoped
public class JobNodesRepository implements PanacheRepositoryBase<JobNodes, String> {

    /** Records a placement unless a newer one is known (placements of a job are numbered). */
    public Uni<Void> placed(String jobId, long placement, List<String> nodeIds, Instant at) {
        return findById(jobId).chain(known -> {
            JobNodes nodes = known == null ? fresh(jobId) : known;
            if (placement > nodes.placement) {
                nodes.placement = placement;
                nodes.nodeIds = String.join(",", nodeIds);
            }
            nodes.updatedAt = at;
            return known == null ? persist(nodes).replaceWithVoid() : Uni.createFrom().voidItem();
        });
    }

    /**
     * Records how many nodes revision {@code revision} of the job's spec asks for, unless a newer revision is known;
     * {@code wantedSince} is this service's own time of it.
     */
    public Uni<Void> wanted(String jobId, long revision, int wantedNodes, Instant at) {
        return findById(jobId).chain(known -> {
            JobNodes nodes = known == null ? fresh(jobId) : known;
            if (revision > nodes.wantedRevision) {
                nodes.wantedRevision = revision;
                if (nodes.wantedNodes != wantedNodes) {
                    nodes.wantedNodes = wantedNodes;
                    nodes.wantedSince = Instant.now();
                }
            }
            nodes.updatedAt = at;
            return known == null ? persist(nodes).replaceWithVoid() : Uni.createFrom().voidItem();
        });
    }

    /** Records the job's first start; later ones change nothing. */
    public Uni<Void> served(String jobId, String nodeId, Instant at) {
        return findById(jobId).chain(known -> {
            JobNodes nodes = known == null ? fresh(jobId) : known;
            if (nodes.firstServedAt == null) {
                nodes.firstServedAt = at;
                nodes.firstServedNode = nodeId;
            }
            nodes.updatedAt = at;
            return known == null ? persist(nodes).replaceWithVoid() : Uni.createFrom().voidItem();
        });
    }

    private static JobNodes fresh(String jobId) {
        JobNodes nodes = new JobNodes();
        nodes.jobId = jobId;
        return nodes;
    }
}
