package io.deeploy.escrow.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.outbox.testing.ConcurrentWriters;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;
import org.junit.jupiter.api.Test;

/** A job's nodes row against the real PostgreSQL, written by two of its writers at the same moment. */
@QuarkusTest
class JobNodesWritersIT {

    @Inject
    Mutiny.SessionFactory sessions;

    /**
     * The placement's writer (job-events) reads the row, the revision's writer (job-commands) scales the job down and
     * commits, then the placement is written: the scale-down must stay, or the node is never given up on chain.
     */
    @Test
    void aPlacementRecordedWhileARevisionIsKeepsTheRevisionsNodeCount() throws Throwable {
        String jobId = "job-" + UUID.randomUUID();
        ConcurrentWriters.inOwnSession(sessions, session -> session.withTransaction(tx -> {
            JobNodes nodes = new JobNodes();
            nodes.jobId = jobId;
            nodes.placement = 2;
            nodes.nodeIds = "node-a,node-b";
            nodes.wantedRevision = 1;
            nodes.wantedNodes = 2;
            nodes.updatedAt = Instant.now();
            return session.persist(nodes);
        }));

        ConcurrentWriters.interleave(sessions, JobNodes.class, jobId, placement -> {
            placement.placement = 3;
            placement.nodeIds = "node-a";
        }, revision -> {
            revision.wantedRevision = 2;
            revision.wantedNodes = 1;
        });

        JobNodes after = ConcurrentWriters.inOwnSession(sessions, session -> session.find(JobNodes.class, jobId));
        assertThat(after.placement).isEqualTo(3);
        assertThat(after.nodeIds).isEqualTo("node-a");
        assertThat(after.wantedRevision).isEqualTo(2);
        assertThat(after.wantedNodes).as("the revision's node count, written between the placement's read and write")
                .isEqualTo(1);
    }
}
