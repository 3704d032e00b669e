package io.deeploy.project.repository;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/** The versions of each job's spec and what served in them. Runs in the caller's session and transaction. */
@ApplicationScoped
public class JobRevisionRepository {

    /** A version of the job's spec, why it was made, and when it first served (null until it did). */
    public record Revision(long revision, String spec, String reason, Instant createdAt, Instant firstServedAt) {
    }

    /** A commit (WAR) or image (CAR) that served, with the revision it first served in. */
    public record Build(String version, long revision, Instant firstServedAt) {
    }

    public Uni<Void> insert(String jobId, long revision, String spec, String reason, Instant at) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "INSERT INTO job_revision (job_id, revision, spec, reason, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
                .setParameter(1, jobId).setParameter(2, revision).setParameter(3, spec).setParameter(4, reason)
                .setParameter(5, at.atOffset(ZoneOffset.UTC)).executeUpdate()).replaceWithVoid();
    }

    /** {@code version} served in {@code revision}: recorded once per job and version, and the revision marked served. */
    public Uni<Void> served(String jobId, long revision, String version, Instant at) {
        OffsetDateTime when = at.atOffset(ZoneOffset.UTC);
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "INSERT INTO job_build (job_id, version, revision, first_served_at) VALUES (?1, ?2, ?3, ?4) "
                        + "ON CONFLICT (job_id, version) DO NOTHING")
                .setParameter(1, jobId).setParameter(2, version).setParameter(3, revision).setParameter(4, when)
                .executeUpdate()
                .chain(() -> session.createNativeQuery("UPDATE job_revision SET first_served_at = ?3 "
                        + "WHERE job_id = ?1 AND revision = ?2 AND first_served_at IS NULL")
                        .setParameter(1, jobId).setParameter(2, revision).setParameter(3, when).executeUpdate()))
                .replaceWithVoid();
    }

    /** The job's revisions, newest first. */
    public Uni<List<Revision>> ofJob(String jobId) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "SELECT revision, spec, reason, created_at, first_served_at FROM job_revision WHERE job_id = ?1 "
                        + "ORDER BY revision DESC", Object[].class)
                .setParameter(1, jobId).getResultList())
                .map(rows -> rows.stream().map(row -> new Revision(((Number) row[0]).longValue(), (String) row[1],
                        (String) row[2], SqlTimes.instant(row[3]), SqlTimes.instant(row[4]))).toList());
    }

    /** What served the job, newest first. */
    public Uni<List<Build>> buildsOf(String jobId) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "SELECT version, revision, first_served_at FROM job_build WHERE job_id = ?1 ORDER BY first_served_at DESC",
                Object[].class)
                .setParameter(1, jobId).getResultList())
                .map(rows -> rows.stream().map(row -> new Build((String) row[0], ((Number) row[1]).longValue(),
                        SqlTimes.instant(row[2]))).toList());
    }
}
