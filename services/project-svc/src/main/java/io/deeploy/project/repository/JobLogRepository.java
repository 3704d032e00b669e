package io.deeploy.project.repository;

import io.deeploy.node.api.LogBatch;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/** Each job's kept output (table job_log_line). Runs in the caller's session and transaction. */
@ApplicationScoped
public class JobLogRepository {

    /** A kept line: its place in the job's output ({@code seq}, rising), when and on which node it was written. */
    public record Line(long seq, Instant at, String node, String text) {
    }

    /** Keeps the lines of {@code batch} not kept already (by node, stream and line number); returns how many were new. */
    public Uni<Integer> append(String jobId, String nodeId, LogBatch batch) {
        StringBuilder sql = new StringBuilder("INSERT INTO job_log_line (job_id, source, node_id, stream, line_no, at, text) VALUES ");
        List<LogBatch.LogLine> lines = batch.lines();
        for (int i = 0; i < lines.size(); i++) {
            int p = 5 + i * 3;
            sql.append(i == 0 ? "" : ", ").append("(?1, ?2, ?3, ?4, ?").append(p).append(", ?").append(p + 1)
                    .append(", ?").append(p + 2).append(')');
        }
        sql.append(" ON CONFLICT (job_id, node_id, stream, source, line_no) DO NOTHING");
        return Panache.getSession().chain(session -> {
            var query = session.createNativeQuery(sql.toString()).setParameter(1, jobId).setParameter(2, batch.source())
                    .setParameter(3, nodeId).setParameter(4, batch.stream());
            for (int i = 0; i < lines.size(); i++) {
                int p = 5 + i * 3;
                LogBatch.LogLine line = lines.get(i);
                // PostgreSQL's text holds no NUL; an app may well print one.
                query.setParameter(p, line.number()).setParameter(p + 1, line.at().atOffset(ZoneOffset.UTC))
                        .setParameter(p + 2, line.text().replace('\0', '\uFFFD'));
            }
            return query.executeUpdate();
        });
    }

    /** Drops all but the newest {@code kept} lines of the job's {@code source}. */
    public Uni<Integer> trim(String jobId, String source, int kept) {
        return Panache.getSession().chain(session -> session.createNativeQuery("DELETE FROM job_log_line "
                        + "WHERE job_id = ?1 AND source = ?2 AND seq < (SELECT seq FROM job_log_line "
                        + "WHERE job_id = ?1 AND source = ?2 ORDER BY seq DESC OFFSET ?3 LIMIT 1)")
                .setParameter(1, jobId).setParameter(2, source).setParameter(3, kept - 1).executeUpdate());
    }

    /** The last {@code limit} lines of the job's {@code source}, oldest first. */
    public Uni<List<Line>> tail(String jobId, String source, int limit) {
        return Panache.getSession().chain(session -> session.createNativeQuery("SELECT seq, at, node_id, text FROM "
                        + "(SELECT seq, at, node_id, text FROM job_log_line WHERE job_id = ?1 AND source = ?2 "
                        + "ORDER BY seq DESC LIMIT ?3) newest ORDER BY seq", Object[].class)
                .setParameter(1, jobId).setParameter(2, source).setParameter(3, limit).getResultList())
                .map(JobLogRepository::lines);
    }

    /** Up to {@code limit} lines of the job's {@code source} after {@code seq}, oldest first. */
    public Uni<List<Line>> after(String jobId, String source, long seq, int limit) {
        return Panache.getSession().chain(session -> session.createNativeQuery("SELECT seq, at, node_id, text FROM "
                        + "job_log_line WHERE job_id = ?1 AND source = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4", Object[].class)
                .setParameter(1, jobId).setParameter(2, source).setParameter(3, seq).setParameter(4, limit).getResultList())
                .map(JobLogRepository::lines);
    }

    private static List<Line> lines(List<Object[]> rows) {
        return rows.stream().map(row -> new Line(((Number) row[0]).longValue(), SqlTimes.instant(row[1]), (String) row[2],
                (String) row[3])).toList();
    }
}
