package io.deeploy.scheduler.service;

import io.deeploy.events.Event;
import io.deeploy.events.payload.NodeAvailability;
import io.deeploy.events.payload.SettlementDue;
import io.deeploy.outbox.Outbox;
import io.deeploy.scheduler.client.EscrowClient;
import io.deeploy.scheduler.config.OracleConfig;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Attests each node's availability per (job, epoch), on two kinds of evidence. A heartbeat counts for a job when the node
 * reports the job as serving (its app passed the health check and has not crashed since) and the job is allocated to
 * run on that node: that is the node's word. The platform's probes of the allocation ({@link ServingProber}) are its
 * own. Availability = counted heartbeats / heartbeats expected in an epoch (epoch length / heartbeat interval), in
 * thousandths, at most 1000, and (with {@code deeploy.oracle.probes}, the default) at most the share of probes that
 * passed: a node that says "serving" while the platform cannot reach its app earns nothing for that epoch. Once an epoch has ended (plus a short delay for heartbeats in flight), SettlementDue goes
 * out once per (job, epoch) with every node that served the job in it; escrow-svc pays the node-epochs at or above the
 * contract's threshold and refunds the rest. A failover epoch therefore pays a node only if it served enough of it:
 * time lost to the failover is not billed to the owner. Epochs are the escrow contract's: its genesis and epoch length
 * are read from escrow-svc ({@code deeploy.oracle.escrow-url}); until they are known nothing is counted.
 */
@ApplicationScoped
public class UptimeOracle {

    private static final Logger LOG = Logger.getLogger(UptimeOracle.class);
    static final int ATTEST_BATCH = 200;

    private final OracleConfig config;
    private final Outbox outbox;
    private final EscrowClient escrow;
    /** Null until known: with an escrow-url, until escrow-svc has answered. */
    private volatile EscrowClient.EpochClock clock;

    public UptimeOracle(OracleConfig config, Outbox outbox) {
        this.config = config;
        this.outbox = outbox;
        this.escrow = config.escrowUrl().map(EscrowClient::new).orElse(null);
        this.clock = escrow == null ? new EscrowClient.EpochClock(config.genesis(), config.epochLength()) : null;
    }

    /** Learns the chain's epoch clock from escrow-svc; a worker thread, every few seconds until it is known. */
    @Scheduled(every = "5s", delayed = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void learnClock() {
        if (clock != null) {
            return;
        }
        EscrowClient.EpochClock learned = escrow.epochClock();
        if (learned != null) {
            clock = learned;
            LOG.infof("oracle epochs follow the escrow: genesis %s, %s each", learned.genesis(), learned.length());
        }
    }

    public long epochAt(Instant at) {
        EscrowClient.EpochClock current = clock;
        return Math.floorDiv(at.toEpochMilli() - current.genesis().toEpochMilli(), current.length().toMillis());
    }

    long expectedHeartbeats() {
        return Math.max(1, clock.length().toMillis() / config.heartbeatInterval().toMillis());
    }

    /**
     * Counts a newly applied heartbeat of {@code nodeId}, which reported {@code servingJobIds} as serving; only jobs
     * allocated to run on that node count. Runs in the registry's transaction, so a replayed heartbeat never counts.
     */
    public Uni<Void> observe(String nodeId, List<String> servingJobIds, Instant receivedAt) {
        if (servingJobIds.isEmpty() || clock == null) {
            return Uni.createFrom().voidItem();
        }
        long epoch = epochAt(receivedAt);
        OffsetDateTime at = receivedAt.atOffset(ZoneOffset.UTC);
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (String jobId : servingJobIds) {
            chain = chain.chain(() -> Panache.getSession().chain(session -> session.createNativeQuery(
                    "INSERT INTO node_epoch_uptime (job_id, epoch, node_id, beats, first_at, last_at) "
                            + "SELECT ?1, ?2, ?3, 1, ?4, ?4 FROM allocation a WHERE a.job_id = ?1 AND a.node_id = ?3 "
                            + "AND a.desired = 'RUN' "
                            + "ON CONFLICT (job_id, epoch, node_id) DO UPDATE SET beats = node_epoch_uptime.beats + 1, "
                            + "last_at = excluded.last_at")
                    .setParameter(1, jobId).setParameter(2, epoch).setParameter(3, nodeId).setParameter(4, at)
                    .executeUpdate()).replaceWithVoid());
        }
        return chain;
    }

    /** One probe of an allocation by the platform ({@link ServingProber}): whether it passed, and when. */
    public record ProbeResult(String jobId, String nodeId, boolean passed, Instant at) {
    }

    /** Counts probes towards their (job, epoch, node), for allocations still desired to run there. In a transaction. */
    public Uni<Void> recordProbes(List<ProbeResult> results) {
        if (results.isEmpty() || clock == null) {
            return Uni.createFrom().voidItem();
        }
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (ProbeResult result : results) {
            long epoch = epochAt(result.at());
            chain = chain.chain(() -> Panache.getSession().chain(session -> session.createNativeQuery(
                    "INSERT INTO node_epoch_probe (job_id, epoch, node_id, probes, passed) "
                            + "SELECT ?1, ?2, ?3, 1, ?4 FROM allocation a WHERE a.job_id = ?1 AND a.node_id = ?3 "
                            + "AND a.desired = 'RUN' ON CONFLICT (job_id, epoch, node_id) DO UPDATE SET "
                            + "probes = node_epoch_probe.probes + 1, passed = node_epoch_probe.passed + excluded.passed")
                    .setParameter(1, result.jobId()).setParameter(2, epoch).setParameter(3, result.nodeId())
                    .setParameter(4, result.passed() ? 1 : 0).executeUpdate()).replaceWithVoid());
        }
        return chain;
    }

    /**
     * A node-epoch's availability in thousandths: its heartbeats' share of those expected, and with probes on, at most
     * the share of the platform's probes that passed (none made: nothing the platform saw, so 0).
     */
    static int permille(long beats, long expectedBeats, Number probes, Number passed, boolean probesRequired) {
        int heard = (int) Math.min(1000, beats * 1000 / expectedBeats);
        if (!probesRequired) {
            return heard;
        }
        long made = probes == null ? 0 : probes.longValue();
        int seen = made == 0 ? 0 : (int) (passed.longValue() * 1000 / made);
        return Math.min(heard, seen);
    }

    /** Announces every ended, not yet attested (job, epoch); returns how many. */
    public Uni<Integer> attestEnded(Instant now) {
        if (clock == null) {
            return Uni.createFrom().item(0);
        }
        long lastEnded = epochAt(now.minus(config.attestDelay())) - 1;
        return Panache.withTransaction(() -> Panache.getSession().chain(session -> session.createNativeQuery(
                "SELECT u.job_id, u.epoch, u.node_id, u.beats, p.probes, p.passed FROM node_epoch_uptime u "
                        + "LEFT JOIN node_epoch_probe p ON p.job_id = u.job_id AND p.epoch = u.epoch AND p.node_id = u.node_id "
                        + "WHERE u.epoch <= ?1 "
                        + "AND NOT EXISTS (SELECT 1 FROM attested_epoch a WHERE a.job_id = u.job_id AND a.epoch = u.epoch) "
                        + "ORDER BY u.epoch, u.job_id, u.node_id LIMIT ?2", Object[].class)
                .setParameter(1, lastEnded).setParameter(2, ATTEST_BATCH).getResultList())
                .chain(rows -> {
                    Map<String, List<NodeAvailability>> byJobEpoch = new LinkedHashMap<>();
                    long expected = expectedHeartbeats();
                    for (Object[] row : rows) {
                        int permille = permille(((Number) row[3]).longValue(), expected, (Number) row[4], (Number) row[5],
                                config.probes());
                        byJobEpoch.computeIfAbsent(row[0] + "@" + row[1], k -> new ArrayList<>())
                                .add(new NodeAvailability((String) row[2], permille));
                    }
                    Uni<Integer> chain = Uni.createFrom().item(0);
                    for (Map.Entry<String, List<NodeAvailability>> entry : byJobEpoch.entrySet()) {
                        String jobId = entry.getKey().substring(0, entry.getKey().lastIndexOf('@'));
                        long epoch = Long.parseLong(entry.getKey().substring(entry.getKey().lastIndexOf('@') + 1));
                        chain = chain.chain(count -> attest(jobId, epoch, entry.getValue(), now).replaceWith(count + 1));
                    }
                    return chain;
                }));
    }

    private Uni<Void> attest(String jobId, long epoch, List<NodeAvailability> availability, Instant now) {
        LOG.infof("job %s epoch %d attested: %s", jobId, epoch, availability);
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "INSERT INTO attested_epoch (job_id, epoch, attested_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING")
                .setParameter(1, jobId).setParameter(2, epoch).setParameter(3, now.atOffset(ZoneOffset.UTC)).executeUpdate())
                .chain(inserted -> inserted == 0 ? Uni.createFrom().voidItem()
                        : outbox.enqueue(Event.of(new SettlementDue(jobId, epoch, List.copyOf(availability)), now)));
    }
}
