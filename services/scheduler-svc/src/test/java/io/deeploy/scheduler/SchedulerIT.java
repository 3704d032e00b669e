package io.deeploy.scheduler;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.deeploy.events.Event;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobSpecChanged;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.NodeAvailability;
import io.deeploy.events.payload.SettlementDue;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.Resources;
import io.deeploy.node.api.Allocation;
import io.deeploy.node.api.AllocationHealth;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.scheduler.rest.GatewayListener;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * Registry and placement against the real Kafka and PostgreSQL of the test instance, with nodes that are registered and
 * beat through the node gateway as agents do.
 */
@QuarkusTest
@QuarkusTestResource(ProjectStandInResource.class)
class SchedulerIT {

    static KafkaEvents kafka;

    @Inject
    Pool pool;

    @Inject
    GatewayListener gateway;

    @BeforeAll
    static void connect() {
        kafka = KafkaEvents.fromEnvironment();
    }

    /**
     * Jobs that other modules' tests requested are on the shared topic: let the scheduler consume them, then release
     * them, so that they cannot take the capacity this test's nodes offer.
     */
    @BeforeEach
    void cleanSlate() {
        kafka.awaitConsumed("scheduler-svc", Topics.JOB_COMMANDS, Duration.ofSeconds(60));
        pool.query("UPDATE placement SET state = 'RELEASED' WHERE state <> 'RELEASED'").execute()
                .await().atMost(Duration.ofSeconds(5));
    }

    @AfterAll
    static void close() {
        keepAlive.shutdownNow();
        kafka.close();
    }

    /** The registered test nodes, by id. */
    static final Map<String, TestNode> nodes = new java.util.concurrent.ConcurrentHashMap<>();
    /** Nodes kept alive by a heartbeat every second, as their agents would; removing one makes it go silent. */
    static final Map<String, Map<String, String>> alive = new java.util.concurrent.ConcurrentHashMap<>();
    /** The jobs each kept-alive node reports as serving. */
    static final Map<String, List<String>> serving = new java.util.concurrent.ConcurrentHashMap<>();
    static final java.util.concurrent.ScheduledExecutorService keepAlive =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor();

    static {
        keepAlive.scheduleAtFixedRate(() -> alive.forEach((nodeId, tags) -> {
            try {
                nodes.get(nodeId).heartbeat(new Resources(2000, 4096, 0), tags, serving.getOrDefault(nodeId, List.of()).stream()
                        .map(job -> new AllocationHealth(job, 1, AllocationHealth.Health.SERVING, "c1")).toList());
            } catch (RuntimeException e) {
                // The gateway is not up yet, or the node not yet registered: the next beat is a second away.
            }
        }), 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    static String newId(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    /** A node registered for this test, known to the gateway by its key. */
    TestNode node(String nodeId) {
        return nodes.computeIfAbsent(nodeId, id -> TestNode.register(kafka, gateway.port(), id, "127.0.0.1"));
    }

    /** Keeps the node beating every second with {@code tags}. */
    void keepAlive(String nodeId, Map<String, String> tags) {
        node(nodeId);
        alive.put(nodeId, tags);
    }

    static JobSpec spec(long cpu, long memory, List<String> targets) {
        return new JobSpec(JobKind.CAR, "a", "local/debian:bookworm", null, List.of(), Map.of(), List.of(), 80,
                new Resources(cpu, memory, 0), "always", null, targets, Math.max(1, targets.size()), List.of(), 30, null, null, null, null);
    }

    static List<NodeSelected> selections(String jobId) {
        return kafka.eventsWithKey(Topics.JOB_EVENTS, jobId).stream().filter(e -> e.payload() instanceof NodeSelected)
                .map(e -> (NodeSelected) e.payload()).toList();
    }

    @Test
    void heartbeatsOfARegisteredNodeRegisterItAndStaleOnesAreIgnored() {
        String nodeId = newId("node");
        TestNode node = node(nodeId);
        String body2 = TestNode.heartbeatBody("boot-1", 2, new Resources(2000, 4096, 0), Map.of("CT", "FR"), List.of());
        await().atMost(Duration.ofSeconds(20)).until(() -> node.send("POST", "/gateway/v1/heartbeat", body2).statusCode() == 200);
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/nodes/{id}", nodeId).statusCode() == 200);
        // A stale heartbeat (an older sequence of the same boot) is answered and changes nothing: the gateway records a
        // heartbeat before it answers, so the registry is read right after.
        assertThat(node.send("POST", "/gateway/v1/heartbeat", TestNode.heartbeatBody("boot-1", 1, new Resources(8000, 4096, 0),
                Map.of("CT", "FR"), List.of())).body()).contains("\"applied\":false");
        given().get("/api/nodes/{id}", nodeId).then().body("capacity.cpuMillis", equalTo(2000));
        node.send("POST", "/gateway/v1/heartbeat", TestNode.heartbeatBody("boot-1", 3, new Resources(3000, 4096, 0), Map.of("CT", "FR"),
                List.of()));
        given().get("/api/nodes/{id}", nodeId).then().body("capacity.cpuMillis", equalTo(3000));
        given().get("/api/nodes/{id}", nodeId).then().body("state", equalTo("READY")).body("tags.CT", equalTo("FR"))
                .body("status", equalTo("ACTIVE")).body("operator", equalTo(TestNode.OPERATOR));
        given().get("/api/nodes/{id}", "node-that-never-beat").then().statusCode(404).body("code", equalTo("NOT_FOUND"));
    }

    @Test
    void aRequestedJobIsPlacedOnceEvenWhenTheRequestIsRedelivered() {
        String nodeId = newId("node");
        keepAlive(nodeId, Map.of("CT", "FR"));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/nodes/{id}", nodeId).statusCode() == 200);

        String jobId = newId("job");
        Event<JobRequested> request = Event.of(new JobRequested(jobId, "prj", "owner", spec(1000, 512, List.of(nodeId))));
        kafka.publish(request);
        kafka.publish(request);
        await().atMost(Duration.ofSeconds(20)).until(() -> !selections(jobId).isEmpty());
        NodeSelected selected = selections(jobId).get(0);
        assertThat(selected.nodeIds()).containsExactly(nodeId);
        assertThat(selected.placement()).isEqualTo(1);
        given().get("/api/placements/{id}", jobId).then().body("state", equalTo("PLACED"));

        // The node has 2000m; a second 1500m job on it must wait rather than oversubscribe.
        String second = newId("job");
        kafka.publish(Event.of(new JobRequested(second, "prj", "owner", spec(1500, 512, List.of(nodeId)))));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/placements/{id}", second).statusCode() == 200);
        given().get("/api/placements/{id}", second).then().body("state", equalTo("WAITING"));

        // Stopping the first frees its reservation and the waiting job is placed by the next sweep.
        kafka.publish(Event.of(new JobStopRequested(jobId, "owner")));
        await().atMost(Duration.ofSeconds(30)).until(() -> !selections(second).isEmpty());
        assertThat(selections(jobId)).hasSize(1);
        given().get("/api/placements/{id}", jobId).then().body("state", equalTo("RELEASED"));
        alive.remove(nodeId);
    }

    /**
     * A new revision of a placed job's spec reaches its node in place (same placement, nothing moves); a stale revision,
     * delivered late or again, changes nothing, and a waiting job is placed with its newest revision.
     */
    @Test
    void aNewRevisionReachesTheJobsNodeInPlaceAndAStaleOneChangesNothing() {
        String nodeId = newId("node");
        keepAlive(nodeId, Map.of());
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/nodes/{id}", nodeId).statusCode() == 200);
        String jobId = newId("job");
        JobSpec first = spec(500, 256, List.of(nodeId));
        kafka.publish(Event.of(new JobRequested(jobId, "prj", "owner", first)));
        await().atMost(Duration.ofSeconds(20)).until(() -> !selections(jobId).isEmpty());

        JobSpec second = new JobSpec(first.kind(), first.alias(), "local/python:bookworm", null, first.commands(),
                Map.of("MODE", "v2"), List.of(), first.port(), first.resources(), first.restartPolicy(), first.healthCheck(),
                first.targetNodes(), first.targetNodeCount(), first.nodeTags(), first.durationEpochs(), null, null, null, null,
                null, 2);
        kafka.publish(Event.of(new JobSpecChanged(jobId, second, "revision 2: edited")));
        await().atMost(Duration.ofSeconds(20)).until(() -> desiredSpec(nodeId, jobId).revision() == 2);
        assertThat(desiredSpec(nodeId, jobId)).isEqualTo(second);
        // A stale revision (an older one delivered late) and a replay: nothing changes, nothing is placed again.
        kafka.publish(Event.of(new JobSpecChanged(jobId, first.withRevision(1), "revision 1: restarted")));
        kafka.publish(Event.of(new JobSpecChanged(jobId, second.withRevision(2), "revision 2 again")));
        kafka.awaitConsumed("scheduler-svc", Topics.JOB_COMMANDS, Duration.ofSeconds(30));
        assertThat(desiredSpec(nodeId, jobId)).isEqualTo(second);
        assertThat(selections(jobId)).hasSize(1);
        assertThat(nodes.get(nodeId).allocations(-1, 0).allocations()).filteredOn(a -> a.jobId().equals(jobId))
                .extracting(Allocation::placement).containsExactly(1L);

        // A job waiting for room is placed with the newest revision it was given.
        String waiting = newId("job");
        JobSpec big = spec(1800, 256, List.of(nodeId));
        kafka.publish(Event.of(new JobRequested(waiting, "prj", "owner", big)));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/placements/{id}", waiting).statusCode() == 200);
        given().get("/api/placements/{id}", waiting).then().body("state", equalTo("WAITING"));
        kafka.publish(Event.of(new JobSpecChanged(waiting, big.withRevision(3), "revision 3: redeployed")));
        kafka.awaitConsumed("scheduler-svc", Topics.JOB_COMMANDS, Duration.ofSeconds(30));
        kafka.publish(Event.of(new JobStopRequested(jobId, "owner")));
        await().atMost(Duration.ofSeconds(30)).until(() -> !selections(waiting).isEmpty());
        assertThat(selections(waiting).get(0).spec().revision()).isEqualTo(3);
        assertThat(desiredSpec(nodeId, waiting).revision()).isEqualTo(3);
        alive.remove(nodeId);
    }

    /**
     * Scaling: a revision asking for more nodes keeps the node that serves and adds feasible others; one asking for more
     * than are feasible keeps what it has, says how many wait, and grows when a node appears; fewer nodes keep the oldest
     * and tell only the dropped ones to stop. Each change is a NodeSelected, and every kept node gets each revision.
     */
    @Test
    void aScaledJobKeepsItsNodesGrowsWhenCapacityAppearsAndStopsOnlyTheDroppedOnes() {
        String pool = "pool-" + UUID.randomUUID().toString().substring(0, 8);
        String first = newId("node-s1");
        String second = newId("node-s2");
        String third = newId("node-s3");
        keepAlive(first, Map.of("POOL", pool));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/nodes/{id}", first).statusCode() == 200);
        String jobId = newId("job");
        JobSpec base = spec(500, 256, List.of());
        JobSpec one = new JobSpec(base.kind(), base.alias(), base.image(), base.vcs(), base.commands(), base.env(),
                base.secretEnvNames(), base.port(), base.resources(), base.restartPolicy(), base.healthCheck(), List.of(), 1,
                List.of("POOL:" + pool), base.durationEpochs(), null, null, null, null);
        kafka.publish(Event.of(new JobRequested(jobId, "prj", "owner", one)));
        await().atMost(Duration.ofSeconds(20)).until(() -> !selections(jobId).isEmpty());
        assertThat(selections(jobId).get(0).nodeIds()).containsExactly(first);

        keepAlive(second, Map.of("POOL", pool));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/nodes/{id}", second).statusCode() == 200);
        kafka.publish(Event.of(new JobSpecChanged(jobId, one.withNodes(List.of(), 2).withRevision(1), "revision 1: 2 nodes")));
        await().atMost(Duration.ofSeconds(20)).until(() -> selections(jobId).size() == 2);
        assertThat(selections(jobId).get(1).nodeIds()).containsExactly(first, second);
        assertThat(selections(jobId).get(1).reason()).contains("scaled to 2 node(s)");
        assertThat(desiredSpec(first, jobId).revision()).isEqualTo(1);
        assertThat(desiredSpec(second, jobId).revision()).isEqualTo(1);

        // Three asked, two feasible: it keeps serving on two and says so, and takes the third node once there is one.
        kafka.publish(Event.of(new JobSpecChanged(jobId, one.withNodes(List.of(), 3).withRevision(2), "revision 2: 3 nodes")));
        kafka.awaitConsumed("scheduler-svc", Topics.JOB_COMMANDS, Duration.ofSeconds(30));
        given().get("/api/placements/{id}", jobId).then().body("state", equalTo("PLACED"))
                .body("reason", containsString("1 more wait"));
        assertThat(selections(jobId)).hasSize(2);
        assertThat(desiredSpec(second, jobId).revision()).isEqualTo(2);
        keepAlive(third, Map.of("POOL", pool));
        await().atMost(Duration.ofSeconds(60)).until(() -> selections(jobId).size() == 3);
        assertThat(selections(jobId).get(2).nodeIds()).containsExactly(first, second, third);
        assertThat(desiredSpec(third, jobId).revision()).isEqualTo(2);

        kafka.publish(Event.of(new JobSpecChanged(jobId, one.withRevision(3), "revision 3: 1 node")));
        await().atMost(Duration.ofSeconds(20)).until(() -> selections(jobId).size() == 4);
        assertThat(selections(jobId).get(3).nodeIds()).containsExactly(first);
        assertThat(desiredSpec(first, jobId).revision()).isEqualTo(3);
        for (String dropped : List.of(second, third)) {
            assertThat(nodes.get(dropped).allocations(-1, 0).allocations()).filteredOn(a -> a.jobId().equals(jobId))
                    .extracting(Allocation::desired).containsExactly(Allocation.Desired.STOP);
        }
        assertThat(nodes.get(first).allocations(-1, 0).allocations()).filteredOn(a -> a.jobId().equals(jobId))
                .extracting(Allocation::desired).containsExactly(Allocation.Desired.RUN);
        kafka.publish(Event.of(new JobStopRequested(jobId, "owner")));
        List.of(first, second, third).forEach(alive::remove);
    }

    /**
     * The scheduler keeps its nodes between decisions (ClusterSnapshots): a node whose tags change is seen by the next
     * decision as it is now, not as it was kept. The first job warms the kept list with the node's old tag; the second
     * asks for that old tag and must wait; the third, asking for the new one, runs there. Were the change not to move the
     * cluster version (the trigger in V6__cluster_version.sql), the second job would be placed on the node.
     */
    @Test
    void aDecisionSeesTheNodesAsTheyAreNowNotAsTheyWereKept() {
        String before = "pool-" + UUID.randomUUID().toString().substring(0, 8);
        String after = "pool-" + UUID.randomUUID().toString().substring(0, 8);
        String nodeId = newId("node-k");
        keepAlive(nodeId, Map.of("POOL", before));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/nodes/{id}", nodeId).statusCode() == 200);
        String warming = placeOnPool(before);
        await().atMost(Duration.ofSeconds(20)).until(() -> !selections(warming).isEmpty());
        assertThat(selections(warming).get(0).nodeIds()).containsExactly(nodeId);

        keepAlive(nodeId, Map.of("POOL", after));
        await().atMost(Duration.ofSeconds(20)).until(() -> after.equals(given().get("/api/nodes/{id}", nodeId).path("tags.POOL")));
        String stale = placeOnPool(before);
        String fresh = placeOnPool(after);
        await().atMost(Duration.ofSeconds(20)).until(() -> !selections(fresh).isEmpty());
        assertThat(selections(fresh).get(0).nodeIds()).containsExactly(nodeId);
        // The two requests' keys may fall on different partitions, so the stale one may be decided after the fresh one: wait
        // until the scheduler has consumed both, then it must have found no node.
        kafka.awaitConsumed("scheduler-svc", Topics.JOB_COMMANDS, Duration.ofSeconds(30));
        assertThat(selections(stale)).as("placed on a node by the tag it no longer has").isEmpty();
        given().get("/api/placements/{id}", stale).then().body("state", equalTo("WAITING"));
        for (String jobId : List.of(warming, stale, fresh)) {
            kafka.publish(Event.of(new JobStopRequested(jobId, "owner")));
        }
        alive.remove(nodeId);
    }

    /** Requests a small job of one node that must match {@code POOL:pool}; returns its id. */
    String placeOnPool(String pool) {
        String jobId = newId("job");
        JobSpec base = spec(100, 64, List.of());
        kafka.publish(Event.of(new JobRequested(jobId, "prj", "owner", new JobSpec(base.kind(), base.alias(), base.image(),
                base.vcs(), base.commands(), base.env(), base.secretEnvNames(), base.port(), base.resources(), base.restartPolicy(),
                base.healthCheck(), List.of(), 1, List.of("POOL:" + pool), base.durationEpochs(), null, null, null, null))));
        return jobId;
    }

    /**
     * Resizing: a revision that reserves more moves the job off a node that no longer has room for it (to one that has),
     * and one that fits where the job runs is given in place; the ledger holds the new size either way.
     */
    @Test
    void aJobResizedBeyondItsNodesRoomMovesAndOneThatFitsStays() {
        String pool = "pool-" + UUID.randomUUID().toString().substring(0, 8);
        String crowded = newId("node-r1");
        String roomy = newId("node-r2");
        keepAlive(crowded, Map.of("POOL", pool));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/nodes/{id}", crowded).statusCode() == 200);
        String jobId = newId("job");
        JobSpec base = spec(500, 256, List.of());
        JobSpec small = new JobSpec(base.kind(), base.alias(), base.image(), base.vcs(), base.commands(), base.env(),
                base.secretEnvNames(), base.port(), base.resources(), base.restartPolicy(), base.healthCheck(), List.of(), 1,
                List.of("POOL:" + pool), base.durationEpochs(), null, null, null, null);
        kafka.publish(Event.of(new JobRequested(jobId, "prj", "owner", small)));
        await().atMost(Duration.ofSeconds(20)).until(() -> !selections(jobId).isEmpty());
        assertThat(selections(jobId).get(0).nodeIds()).containsExactly(crowded);
        // Another job takes 1000m of the crowded node; the second node appears.
        String filler = newId("job");
        kafka.publish(Event.of(new JobRequested(filler, "prj", "owner", spec(1000, 256, List.of(crowded)))));
        await().atMost(Duration.ofSeconds(20)).until(() -> !selections(filler).isEmpty());
        keepAlive(roomy, Map.of("POOL", pool));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/nodes/{id}", roomy).statusCode() == 200);

        // 500m + 1000m fit in 2000m; 1200m + 1000m do not: the job moves to the node with room.
        JobSpec big = new JobSpec(small.kind(), small.alias(), small.image(), small.vcs(), small.commands(), small.env(),
                small.secretEnvNames(), small.port(), new Resources(1200, 256, 0), small.restartPolicy(), small.healthCheck(),
                small.targetNodes(), small.targetNodeCount(), small.nodeTags(), small.durationEpochs(), null, null, null, null,
                null, 1);
        kafka.publish(Event.of(new JobSpecChanged(jobId, big, "revision 1: edited")));
        await().atMost(Duration.ofSeconds(20)).until(() -> selections(jobId).size() == 2);
        NodeSelected moved = selections(jobId).get(1);
        assertThat(moved.nodeIds()).containsExactly(roomy);
        assertThat(moved.reason()).startsWith("resized: node " + crowded + " lacks room for 1200m CPU");
        assertThat(desiredSpec(roomy, jobId).resources().cpuMillis()).isEqualTo(1200);
        assertThat(nodes.get(crowded).allocations(-1, 0).allocations()).filteredOn(a -> a.jobId().equals(jobId))
                .extracting(Allocation::desired).containsExactly(Allocation.Desired.STOP);
        // Smaller again: it fits where it is, so nothing moves.
        kafka.publish(Event.of(new JobSpecChanged(jobId, small.withRevision(2), "revision 2: edited")));
        await().atMost(Duration.ofSeconds(20)).until(() -> desiredSpec(roomy, jobId).revision() == 2);
        assertThat(selections(jobId)).hasSize(2);
        assertThat(desiredSpec(roomy, jobId).resources().cpuMillis()).isEqualTo(500);
        kafka.publish(Event.of(new JobStopRequested(jobId, "owner")));
        kafka.publish(Event.of(new JobStopRequested(filler, "owner")));
        List.of(crowded, roomy).forEach(alive::remove);
    }

    static JobSpec desiredSpec(String nodeId, String jobId) {
        return nodes.get(nodeId).allocations(-1, 0).allocations().stream().filter(a -> a.jobId().equals(jobId))
                .findFirst().orElseThrow().spec();
    }

    /**
     * Failover: a node that stops beating is LOST and its job moves to the recorded spare (NodeSelected again, with the
     * reason); the time from its last heartbeat to the new placement is printed.
     */
    @Test
    void aJobOnALostNodeMovesToItsSpareAndTheReasonIsAnnounced() {
        String pool = "pool-" + UUID.randomUUID().toString().substring(0, 8);
        String first = newId("node-a");
        String second = newId("node-b");
        keepAlive(first, Map.of("CT", "FR", "POOL", pool));
        keepAlive(second, Map.of("CT", "IT", "POOL", pool));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/nodes/{id}", first).statusCode() == 200
                && given().get("/api/nodes/{id}", second).statusCode() == 200);

        String jobId = newId("job");
        JobSpec base = spec(1000, 512, List.of());
        JobSpec spec = new JobSpec(base.kind(), base.alias(), base.image(), base.vcs(), base.commands(), base.env(),
                base.secretEnvNames(), base.port(), base.resources(), base.restartPolicy(), base.healthCheck(), List.of(), 1,
                List.of("POOL:" + pool, "CT:FR||CT:IT"), base.durationEpochs(), null, null, null, null);
        kafka.publish(Event.of(new JobRequested(jobId, "prj", "owner", spec)));
        await().atMost(Duration.ofSeconds(20)).until(() -> !selections(jobId).isEmpty());
        NodeSelected placed = selections(jobId).get(0);
        assertThat(placed.nodeIds()).hasSize(1).isSubsetOf(first, second);
        String running = placed.nodeIds().get(0);
        String spare = running.equals(first) ? second : first;
        assertThat(placed.spareNodeIds()).containsExactly(spare);

        long silentSince = System.nanoTime();
        alive.remove(running);
        await().atMost(Duration.ofSeconds(60)).until(() -> selections(jobId).size() == 2);
        System.out.printf("failover: last heartbeat to new placement %d ms%n", (System.nanoTime() - silentSince) / 1_000_000);
        NodeSelected moved = selections(jobId).get(1);
        assertThat(moved.nodeIds()).containsExactly(spare);
        assertThat(moved.placement()).isEqualTo(2);
        assertThat(moved.reason()).contains("failover").contains(running).contains("lost");
        given().get("/api/nodes/{id}", running).then().body("state", equalTo("LOST"));
        given().get("/api/placements/{id}", jobId).then().body("state", equalTo("PLACED"));

        // Nowhere left to go: the job waits, visibly, and is placed again when its node comes back.
        alive.remove(spare);
        await().atMost(Duration.ofSeconds(60)).until(() -> "WAITING".equals(
                given().get("/api/placements/{id}", jobId).then().extract().path("state")));
        assertThat(given().get("/api/placements/{id}", jobId).then().extract().<String>path("reason")).contains("lost");
        keepAlive(running, Map.of("CT", "FR", "POOL", pool));
        await().atMost(Duration.ofSeconds(60)).until(() -> selections(jobId).size() == 3);
        assertThat(selections(jobId).get(2).nodeIds()).containsExactly(running);
        alive.remove(running);
        kafka.publish(Event.of(new JobStopRequested(jobId, "owner")));
    }

    /**
     * The oracle: heartbeats that report the job as serving on its node count towards that node's availability, as far
     * as the platform's own probes of the app (at the node's registered address, the port of its AppStarted) pass too;
     * each ended epoch is announced once as SettlementDue. A node that reports a job not placed on it earns nothing, and
     * so does one that says "serving" while nothing answers where its app should be: heartbeats are the node's word only.
     * With {@code deeploy.oracle.probes=false} (heartbeats alone) the liar's epochs would show close to 1000.
     */
    @Test
    void endedEpochsAreAttestedOncePerJobWithTheServingNodesAvailability() throws Exception {
        String node = newId("node-o");
        String liar = newId("node-l");
        String intruder = newId("node-x");
        keepAlive(node, Map.of("CT", "FR"));
        keepAlive(liar, Map.of("CT", "FR"));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/nodes/{id}", node).statusCode() == 200
                && given().get("/api/nodes/{id}", liar).statusCode() == 200);
        String jobId = newId("job");
        kafka.publish(Event.of(new JobRequested(jobId, "prj", "owner", spec(500, 256, List.of(node, liar)))));
        await().atMost(Duration.ofSeconds(20)).until(() -> !selections(jobId).isEmpty());
        long placement = selections(jobId).get(0).placement();
        assertThat(selections(jobId).get(0).nodeIds()).containsExactlyInAnyOrder(node, liar);

        // The honest node's app answers on a port of this machine; nothing listens on the port the liar reports.
        HttpServer app = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        app.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        app.start();
        int closedPort;
        try (ServerSocket unused = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = unused.getLocalPort();
        }
        try {
            assertThat(nodes.get(node).report(jobId, placement, new AppStarted(jobId, node, "a", "c1", "ctr", "elsewhere",
                    app.getAddress().getPort())).statusCode()).isEqualTo(200);
            assertThat(nodes.get(liar).report(jobId, placement, new AppStarted(jobId, liar, "a", "c1", "ctr", "elsewhere",
                    closedPort)).statusCode()).isEqualTo(200);
            serving.put(node, List.of(jobId));
            serving.put(liar, List.of(jobId));
            serving.put(intruder, List.of(jobId));
            keepAlive(intruder, Map.of("CT", "FR"));

            // Epochs are 3 s in the test profile: wait for three attested epochs.
            await().atMost(Duration.ofSeconds(40)).until(() -> attestations(jobId).size() >= 3);
        } finally {
            app.stop(0);
        }
        List<SettlementDue> due = attestations(jobId);
        assertThat(due.stream().map(SettlementDue::epoch).distinct().count()).as("one SettlementDue per epoch").isEqualTo(due.size());
        for (SettlementDue epoch : due) {
            assertThat(epoch.availability()).extracting(NodeAvailability::nodeId).containsExactlyInAnyOrder(node, liar);
            assertThat(epoch.availability()).filteredOn(a -> a.nodeId().equals(liar)).extracting(NodeAvailability::permille)
                    .as("heartbeats 'serving' while the probes fail earn nothing").containsExactly(0);
        }
        // A full epoch in the middle of the run saw (nearly) every expected heartbeat, and its probes passed.
        assertThat(due.get(1).availability()).filteredOn(a -> a.nodeId().equals(node)).extracting(NodeAvailability::permille)
                .allSatisfy(permille -> assertThat(permille).isGreaterThanOrEqualTo(600));
        serving.remove(node);
        serving.remove(liar);
        serving.remove(intruder);
        alive.remove(node);
        alive.remove(liar);
        alive.remove(intruder);
        kafka.publish(Event.of(new JobStopRequested(jobId, "owner")));
    }

    static List<SettlementDue> attestations(String jobId) {
        return kafka.eventsWithKey(Topics.ORACLE_EVENTS, jobId).stream().filter(e -> e.payload() instanceof SettlementDue)
                .map(e -> (SettlementDue) e.payload()).toList();
    }

    @Inject
    io.deeploy.scheduler.service.PlacementService placementService;

    /**
     * Twenty placements race for one node from twenty concurrent transactions, each on its own connection, as two (or
     * more) scheduler instances would: the advisory lock serialises them, so exactly as many fit as the node holds.
     */
    @Test
    void concurrentPlacementsNeverOversubscribeANode() throws Exception {
        String nodeId = newId("node-race");
        keepAlive(nodeId, Map.of("CT", "FR", "RACE", nodeId));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/nodes/{id}", nodeId).statusCode() == 200);
        JobSpec spec = onlyOn(nodeId, 500);
        List<String> jobIds = java.util.stream.IntStream.range(0, 20).mapToObj(i -> newId("jr")).toList();
        java.util.concurrent.ExecutorService racers = java.util.concurrent.Executors.newFixedThreadPool(20);
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        for (String jobId : jobIds) {
            done.add(racers.submit(() -> {
                start.await();
                try {
                    return io.quarkus.vertx.VertxContextSupport.subscribeAndAwait(() -> io.quarkus.hibernate.reactive.panache
                            .Panache.withTransaction(() -> placementService.request(jobId, spec, java.time.Instant.now())));
                } catch (Throwable e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        start.countDown();
        for (java.util.concurrent.Future<?> future : done) {
            future.get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        racers.shutdown();
        // The node offers 2000m CPU: four 500m jobs fit, the other sixteen wait.
        List<String> states = jobIds.stream().map(jobId -> given().get("/api/placements/{id}", jobId).then().extract()
                .<String>path("state")).toList();
        assertThat(states).filteredOn("PLACED"::equals).hasSize(4);
        assertThat(states).filteredOn("WAITING"::equals).hasSize(16);
        alive.remove(nodeId);
        pool.query("UPDATE placement SET state = 'RELEASED' WHERE job_id LIKE 'jr-%'").execute()
                .await().atMost(Duration.ofSeconds(5));
    }

    /** A spec of {@code cpu} millicores that only the node kept alive with the tag RACE=nodeId can take. */
    static JobSpec onlyOn(String nodeId, long cpu) {
        JobSpec base = spec(cpu, 256, List.of());
        return new JobSpec(base.kind(), base.alias(), base.image(), base.vcs(), base.commands(), base.env(),
                base.secretEnvNames(), base.port(), base.resources(), base.restartPolicy(), base.healthCheck(), List.of(), 1,
                List.of("RACE:" + nodeId), base.durationEpochs(), null, null, null, null);
    }

    /** A node of 2000m CPU that only {@link #onlyOn} specs can take, ready for placements. */
    String raceNode(String prefix) {
        String nodeId = newId(prefix);
        keepAlive(nodeId, Map.of("CT", "FR", "RACE", nodeId));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/nodes/{id}", nodeId).statusCode() == 200);
        return nodeId;
    }

    /** The placements' states, in the order of the jobs. */
    static List<String> states(List<String> jobIds) {
        return jobIds.stream().map(jobId -> given().get("/api/placements/{id}", jobId).then().extract().<String>path("state")).toList();
    }

    /**
     * Twenty requests decided in one transaction, as the consumer decides the records of one poll: the cluster is read
     * once, and each decision must see the reservations of those before it in the same transaction, or all twenty would
     * land on a node that holds four.
     */
    @Test
    void aBatchOfDecisionsInOneTransactionNeverOversubscribesANode() {
        String nodeId = raceNode("node-batch");
        List<String> jobIds = java.util.stream.IntStream.range(0, 20).mapToObj(i -> newId("jb")).toList();
        List<io.deeploy.scheduler.service.JobCommand> requests = jobIds.stream().<io.deeploy.scheduler.service.JobCommand>map(
                jobId -> new io.deeploy.scheduler.service.JobCommand.Request(jobId, onlyOn(nodeId, 500), java.time.Instant.now()))
                .toList();
        inOneTransaction(requests);
        assertThat(states(jobIds)).filteredOn("PLACED"::equals).hasSize(4);
        assertThat(states(jobIds)).filteredOn("WAITING"::equals).hasSize(16);
        alive.remove(nodeId);
    }

    /**
     * In one transaction: four jobs fill a node, one of them is stopped, and a fifth is requested. The fifth must see the
     * room the stop freed (the cluster the transaction holds is read again after a release), and a sixth must not.
     */
    @Test
    void aBatchSeesTheRoomItsOwnStopsFree() {
        String nodeId = raceNode("node-batch");
        List<String> jobIds = java.util.stream.IntStream.range(0, 6).mapToObj(i -> newId("jb")).toList();
        java.time.Instant now = java.time.Instant.now();
        List<io.deeploy.scheduler.service.JobCommand> commands = new java.util.ArrayList<>();
        jobIds.subList(0, 4).forEach(jobId -> commands.add(new io.deeploy.scheduler.service.JobCommand.Request(jobId,
                onlyOn(nodeId, 500), now)));
        commands.add(new io.deeploy.scheduler.service.JobCommand.Release(jobIds.get(0), "owner", now));
        jobIds.subList(4, 6).forEach(jobId -> commands.add(new io.deeploy.scheduler.service.JobCommand.Request(jobId,
                onlyOn(nodeId, 500), now)));
        inOneTransaction(commands);
        assertThat(states(jobIds)).containsExactly("RELEASED", "PLACED", "PLACED", "PLACED", "PLACED", "WAITING");
        alive.remove(nodeId);
    }

    void inOneTransaction(List<io.deeploy.scheduler.service.JobCommand> commands) {
        try {
            io.quarkus.vertx.VertxContextSupport.subscribeAndAwait(() -> io.quarkus.hibernate.reactive.panache.Panache
                    .withTransaction(() -> placementService.apply(commands)));
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A burst through the topic, consumed in polls of several records: a record that cannot be decoded goes to the
     * dead-letter topic alone, a request delivered twice is placed once, and the node's room decides the rest.
     */
    @Test
    void aBurstOfRequestsIsPlacedOnceEachAndABadRecordIsDeadLetteredAlone() {
        String nodeId = raceNode("node-burst");
        List<String> jobIds = java.util.stream.IntStream.range(0, 5).mapToObj(i -> newId("job")).toList();
        String bad = "{\"id\":\"" + UUID.randomUUID() + "\",\"type\":\"JobRequested\",\"schemaVersion\":1,\"key\":\"x\"}";
        Event<JobRequested> twice = Event.of(new JobRequested(jobIds.get(0), "prj", "owner", onlyOn(nodeId, 500)));
        kafka.publish(twice);
        kafka.publishRaw(Topics.JOB_COMMANDS, "bad-" + nodeId, bad);
        kafka.publish(twice);
        jobIds.subList(1, 5).forEach(jobId -> kafka.publish(Event.of(new JobRequested(jobId, "prj", "owner", onlyOn(nodeId, 500)))));
        kafka.awaitConsumed("scheduler-svc", Topics.JOB_COMMANDS, Duration.ofSeconds(30));
        assertThat(states(jobIds)).filteredOn("PLACED"::equals).hasSize(4);
        assertThat(states(jobIds)).filteredOn("WAITING"::equals).hasSize(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> jobIds.stream().filter(jobId -> !selections(jobId).isEmpty()).count() == 4);
        jobIds.forEach(jobId -> assertThat(selections(jobId)).hasSize(states(List.of(jobId)).get(0).equals("PLACED") ? 1 : 0));
        await().atMost(Duration.ofSeconds(30)).until(() -> !kafka.records(Topics.DEAD_LETTER,
                r -> ("bad-" + nodeId).equals(r.key())).isEmpty());
        assertThat(kafka.records(Topics.DEAD_LETTER, r -> jobIds.stream().anyMatch(jobId -> r.value() != null
                && r.value().contains(jobId)))).isEmpty();
        alive.remove(nodeId);
    }

    @Test
    void stoppingAJobThatNeverGotANodeConfirmsTheStop() {
        String jobId = newId("job");
        kafka.publish(Event.of(new JobRequested(jobId, "prj", "owner", spec(1000, 512, List.of("absent-node")))));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/placements/{id}", jobId).statusCode() == 200);
        kafka.publish(Event.of(new JobStopRequested(jobId, "owner")));
        await().atMost(Duration.ofSeconds(20)).until(() -> kafka.eventsWithKey(Topics.JOB_EVENTS, jobId).stream()
                .anyMatch(e -> e.payload() instanceof JobStopped stopped && stopped.nodeId() == null));
        assertThat(selections(jobId)).isEmpty();
    }
}
