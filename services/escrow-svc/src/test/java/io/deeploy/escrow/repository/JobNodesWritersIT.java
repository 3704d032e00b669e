package io.deeploy.escrow.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;
import org.junit.jupiter.api.Test;

/**
 * A job's nodes row against the real PostgreSQL, written by two of its writers at the same moment, in the worst order: the
 * placement's writer reads the row, the revision's writer changes it and commits, then the first writes.
 */
@QuarkusTest
class JobNodesWritersIT {

    @Inject
    Mutiny.SessionFactory sessions;

    @Test
    void aPlacementRecordedWhileARevisionIsKeepsTheRevisionsNodeCount() throws Throwable {
        String jobId = "job-" + UUID.randomUUID();
        inOwnSession(session -> session.withTransaction(tx -> {
            JobNodes nodes = new JobNodes();
            nodes.jobId = jobId;
            nodes.placement = 2;
            nodes.nodeIds = "node-a,node-b";
            nodes.wantedRevision = 1;
            nodes.wantedNodes = 2;
            nodes.updatedAt = Instant.now();
            return session.persist(nodes);
        }));

        inOwnSession(placement -> placement.withTransaction(tx -> placement.find(JobNodes.class, jobId)
                .call(seen -> inOwnSessionUni(revision -> revision.withTransaction(tx2 -> revision.find(JobNodes.class, jobId)
                        .invoke(nodes -> {
                            nodes.wantedRevision = 2;
                            nodes.wantedNodes = 1;
                        }))))
                .invoke(seen -> {
                    seen.placement = 3;
                    seen.nodeIds = "node-a";
                })));

        JobNodes after = inOwnSession(session -> session.find(JobNodes.class, jobId));
        assertThat(after.placement).isEqualTo(3);
        assertThat(after.nodeIds).isEqualTo("node-a");
        assertThat(after.wantedRevision).isEqualTo(2);
        assertThat(after.wantedNodes).as("the revision's node count, written between the placement's read and write")
                .isEqualTo(1);
    }

    private <T> T inOwnSession(java.util.function.Function<Mutiny.Session, Uni<T>> work) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> inOwnSessionUni(work));
    }

    /** A session of its own (not the context's), as two consumers' transactions are. */
    private <T> Uni<T> inOwnSessionUni(java.util.function.Function<Mutiny.Session, Uni<T>> work) {
        return sessions.openSession().chain(session -> work.apply(session).eventually(session::close));
    }
}
