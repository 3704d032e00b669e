package io.deeploy.scheduler.repository;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The allocations table, in native SQL on the caller's Hibernate Reactive session, so that a placement and the
 * allocations it implies commit together. Every change takes a new modify_index and notifies the node's channel, which
 * PostgreSQL delivers only once the transaction commits.
 */
@ApplicationScoped
public class AllocationRepository {

    /** The channel on which a changed node's id is announced (at commit). */
    public static final String CHANNEL = "deeploy_allocations";
    public static final String RUN = "RUN";
    public static final String STOP = "STOP";

    /** One row of the table. */
    public record Row(String jobId, String nodeId, String desired, long placement, String spec, String reason, long modifyIndex,
            boolean stopAnnounced, boolean nodeConfirmed) {

        public boolean run() {
            return RUN.equals(desired);
        }
    }

    static final String COLUMNS = "job_id, node_id, desired, placement, spec, reason, modify_index, stop_announced, node_confirmed";

    /** That a node is to run a job under {@code spec}, as of {@code placement}: one row of {@link #runAll}. */
    public record Run(String jobId, String nodeId, long placement, String spec, String reason, Instant at) {
    }

    /** The node is to run the job under {@code spec}, as of {@code placement}. */
    public Uni<Void> run(String jobId, String nodeId, long placement, String spec, String reason, Instant at) {
        return runAll(List.of(new Run(jobId, nodeId, placement, spec, reason, at)));
    }

    /**
     * Every run of {@code runs}, of distinct jobs and nodes, and each node's notification, in one statement for up to
     * {@value #ROWS_PER_STATEMENT}: a batch of placements allocates its jobs in one round trip.
     */
    public Uni<Void> runAll(List<Run> runs) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (int from = 0; from < runs.size(); from += ROWS_PER_STATEMENT) {
            List<Run> rows = runs.subList(from, Math.min(runs.size(), from + ROWS_PER_STATEMENT));
            chain = chain.chain(() -> Panache.getSession().chain(session -> {
                var upsert = session.createNativeQuery(runAllOf(rows.size()));
                for (int i = 0; i < rows.size(); i++) {
                    Run run = rows.get(i);
                    int p = 6 * i;
                    upsert.setParameter(p + 1, run.jobId()).setParameter(p + 2, run.nodeId()).setParameter(p + 3, run.placement())
                            .setParameter(p + 4, run.spec()).setParameter(p + 5, run.reason())
                            .setParameter(p + 6, run.at().atOffset(ZoneOffset.UTC));
                }
                return upsert.getResultList();
            }).replaceWithVoid());
        }
        return chain;
    }

    /** Six parameters a row, well under PostgreSQL's 65,535 a statement. */
    static final int ROWS_PER_STATEMENT = 500;

    /** The upsert of {@code rows} runs, then one notification for each node it changed (PostgreSQL sends them at commit). */
    static String runAllOf(int rows) {
        StringBuilder sql = new StringBuilder("WITH changed AS (INSERT INTO allocation (" + COLUMNS + ", updated_at) VALUES ");
        for (int i = 0; i < rows; i++) {
            int p = 6 * i;
            sql.append(i == 0 ? "" : ", ").append(String.format("(?%d, ?%d, 'RUN', ?%d, ?%d, ?%d, nextval('allocation_index'), false, "
                    + "false, ?%d)", p + 1, p + 2, p + 3, p + 4, p + 5, p + 6));
        }
        return sql.append(" ON CONFLICT (job_id, node_id) DO UPDATE SET desired = 'RUN', placement = excluded.placement, "
                + "spec = excluded.spec, reason = excluded.reason, modify_index = excluded.modify_index, stop_announced = false, "
                + "node_confirmed = false, updated_at = excluded.updated_at RETURNING node_id) "
                + "SELECT pg_notify('" + CHANNEL + "', node_id) FROM (SELECT DISTINCT node_id FROM changed) AS nodes").toString();
    }

    /** The node is to stop the job (if it runs it there), as of {@code placement}. */
    public Uni<Void> stop(String jobId, String nodeId, long placement, String reason, Instant at) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "UPDATE allocation SET desired = 'STOP', placement = ?3, reason = ?4, modify_index = nextval('allocation_index'), "
                        + "stop_announced = false, node_confirmed = false, updated_at = ?5 "
                        + "WHERE job_id = ?1 AND node_id = ?2 AND desired = 'RUN'")
                .setParameter(1, jobId).setParameter(2, nodeId).setParameter(3, placement).setParameter(4, reason)
                .setParameter(5, at.atOffset(ZoneOffset.UTC)).executeUpdate())
                .chain(updated -> updated == 0 ? Uni.createFrom().voidItem() : notify(nodeId));
    }

    /** The nodes the job is to run on now. */
    public Uni<List<String>> runningNodes(String jobId) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "SELECT node_id FROM allocation WHERE job_id = ?1 AND desired = 'RUN' ORDER BY node_id", String.class)
                .setParameter(1, jobId).getResultList());
    }

    /** The port at which the node's app of the job serves, from its AppStarted. */
    public Uni<Void> serving(String jobId, String nodeId, int port) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "UPDATE allocation SET serving_port = ?3 WHERE job_id = ?1 AND node_id = ?2")
                .setParameter(1, jobId).setParameter(2, nodeId).setParameter(3, port).executeUpdate()).replaceWithVoid();
    }

    /** An allocation to probe: where its app serves (the node's registered address, its port) and the job's spec. */
    public record ProbeTarget(String jobId, String nodeId, String address, int port, String spec) {

        public String key() {
            return jobId + "@" + nodeId;
        }
    }

    /** Every allocation desired to run whose app reported where it serves, at its node's registered address. */
    public Uni<List<ProbeTarget>> probeTargets() {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "SELECT a.job_id, a.node_id, i.address, a.serving_port, a.spec FROM allocation a "
                        + "JOIN node_identity i ON i.node_id = a.node_id WHERE a.desired = 'RUN' AND a.serving_port IS NOT NULL",
                Object[].class)
                .getResultList())
                .map(rows -> rows.stream().map(r -> new ProbeTarget((String) r[0], (String) r[1], (String) r[2],
                        ((Number) r[3]).intValue(), (String) r[4])).toList());
    }

    public Uni<Row> find(String jobId, String nodeId) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "SELECT " + COLUMNS + " FROM allocation WHERE job_id = ?1 AND node_id = ?2", Object[].class)
                .setParameter(1, jobId).setParameter(2, nodeId).getResultList())
                .map(rows -> rows.isEmpty() ? null : row(rows.get(0)));
    }

    /** What the node is to do: every RUN, and every STOP it has not confirmed yet. */
    public Uni<List<Row>> desiredOn(String nodeId) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "SELECT " + COLUMNS + " FROM allocation WHERE node_id = ?1 AND (desired = 'RUN' OR NOT node_confirmed) "
                        + "ORDER BY job_id", Object[].class)
                .setParameter(1, nodeId).getResultList())
                .map(rows -> rows.stream().map(AllocationRepository::row).toList());
    }

    /** The newest change of anything allocated to the node, confirmed stops included; 0 if none. */
    public Uni<Long> indexOf(String nodeId) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "SELECT coalesce(max(modify_index), 0) FROM allocation WHERE node_id = ?1", Long.class)
                .setParameter(1, nodeId).getSingleResult());
    }

    /** The node confirmed the stop; true if this is news (JobStopped is then announced unless it already was). */
    public Uni<Boolean> confirmStop(String jobId, String nodeId, Instant at) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "UPDATE allocation SET node_confirmed = true, stop_announced = true, modify_index = nextval('allocation_index'), "
                        + "updated_at = ?3 WHERE job_id = ?1 AND node_id = ?2 AND desired = 'STOP' AND NOT node_confirmed")
                .setParameter(1, jobId).setParameter(2, nodeId).setParameter(3, at.atOffset(ZoneOffset.UTC)).executeUpdate())
                .chain(updated -> updated == 0 ? Uni.createFrom().item(false) : notify(nodeId).replaceWith(true));
    }

    /** STOPs on the given nodes that nobody has announced yet (their node is gone and cannot). */
    public Uni<List<Row>> unannouncedStopsOn(List<String> nodeIds) {
        if (nodeIds.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "SELECT " + COLUMNS + " FROM allocation WHERE desired = 'STOP' AND NOT stop_announced AND node_id IN (?1) "
                        + "ORDER BY job_id LIMIT 500", Object[].class)
                .setParameter(1, nodeIds).getResultList())
                .map(rows -> rows.stream().map(AllocationRepository::row).toList());
    }

    /** JobStopped went out for this STOP; the node still sees it until it confirms. */
    public Uni<Void> markStopAnnounced(String jobId, String nodeId) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "UPDATE allocation SET stop_announced = true WHERE job_id = ?1 AND node_id = ?2")
                .setParameter(1, jobId).setParameter(2, nodeId).executeUpdate()).replaceWithVoid();
    }

    private static Uni<Void> notify(String nodeId) {
        return Panache.getSession().chain(session -> session.createNativeQuery("SELECT pg_notify('" + CHANNEL + "', ?1)")
                .setParameter(1, nodeId).getSingleResult()).replaceWithVoid();
    }

    private static Row row(Object[] r) {
        return new Row((String) r[0], (String) r[1], (String) r[2], ((Number) r[3]).longValue(), (String) r[4], (String) r[5],
                ((Number) r[6]).longValue(), (Boolean) r[7], (Boolean) r[8]);
    }
}
