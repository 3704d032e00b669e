package io.deeploy.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deeploy.events.payload.AppFailed;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.BuildCompleted;
import io.deeploy.events.payload.BuildStarted;
import io.deeploy.events.payload.FileVolume;
import io.deeploy.events.payload.FundingAccepted;
import io.deeploy.events.payload.FundsLocked;
import io.deeploy.events.payload.HealthCheck;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobExpiring;
import io.deeploy.events.payload.JobSpecChanged;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.NodeAvailability;
import io.deeploy.events.payload.NodeRegistered;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.RegistryAuth;
import io.deeploy.events.payload.NodeStatus;
import io.deeploy.events.payload.NodeStatusChanged;
import io.deeploy.events.payload.PaidPeriodChanged;
import io.deeploy.events.payload.Resources;
import io.deeploy.events.payload.RouteReady;
import io.deeploy.events.payload.SettlementCompleted;
import io.deeploy.events.payload.SettlementDue;
import io.deeploy.events.payload.TunnelFailed;
import io.deeploy.events.payload.TunnelReady;
import io.deeploy.events.payload.TunnelSettings;
import io.deeploy.events.payload.VcsSource;
import io.deeploy.events.payload.Volume;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    static final JobSpec SPEC = new JobSpec(JobKind.WAR, "hello", "local/python:bookworm",
            new VcsSource("http://127.0.0.1:9418/hello.git", "main", "dev", "secret-ref-1", 30),
            List.of("python3 -m http.server 8000"), Map.of("MODE", "prod"), List.of("API_KEY"), 8000,
            new Resources(1000, 512, 0), "always", new HealthCheck(HealthCheck.Mode.HTTP, "/", 1, 30, 5),
            List.of(), 1, List.of("CT:FR||CT:IT"), 30,
            List.of(new Volume("data", "/data")), List.of(new FileVolume("conf", "/etc/app.conf", "a=1")),
            new TunnelSettings(TunnelSettings.CLOUDFLARE, "hello.example.org", TunnelSettings.TOKEN_SECRET),
            new RegistryAuth("registry.example.org:5000", "deployer", RegistryAuth.PASSWORD_SECRET));

    /** One sample payload per event type; the test below fails when a type is added without a sample. */
    static List<EventPayload> samples() {
        return List.of(
                new JobRequested("job-1", "prj-1", "0xabc", SPEC),
                new NodeSelected("job-1", List.of("node-1"), List.of("node-2"), 1, "fits", SPEC),
                new BuildStarted("job-1", "node-1", "build-1", "b2"),
                new BuildCompleted("job-1", "node-1", "build-1", "b2", false, 1234, "exit 2", "npm ERR!"),
                new AppStarted("job-1", "node-1", "hello", "b2", "c0ffee", "127.0.0.1", 32001, 2),
                new AppFailed("job-1", "node-1", "b2", "health check failed", "Traceback", 2),
                new JobStopRequested("job-1", "owner"),
                new JobStopped("job-1", "node-1", "owner"),
                new TunnelReady("job-1", "node-1", "hello", "https://hello.trycloudflare.com", "cloudflare"),
                new RouteReady("job-1", "hello", "http://hello.apps.localhost:8080/"),
                new TunnelFailed("job-1", "node-1", "cloudflare", "cloudflared not found"),
                new NodeRegistered("node-1", "MCowBQYDK2VwAyEA", "0xabc", "0xdef", "10.0.0.2"),
                new NodeStatusChanged("node-1", NodeStatus.SUSPENDED, "maintenance", "0xadmin"),
                new FundsLocked("job-1", BigInteger.TEN, new BigInteger("30000000"), "0xtoken", 30, 1, "0xtx", "0xabc", 1, 1000L, 2048),
                new FundingAccepted("job-1", BigInteger.TEN),
                new SettlementDue("job-1", 12, List.of(new NodeAvailability("node-1", 950))),
                new SettlementCompleted("job-1", 12, "0xtx", BigInteger.valueOf(375000), BigInteger.valueOf(375000),
                        List.of(new SettlementCompleted.OperatorPayment("0xabc", BigInteger.valueOf(375000)))),
                new PaidPeriodChanged("job-1", BigInteger.TEN, 12, 42, Instant.parse("2026-11-23T10:00:00Z"),
                        Instant.parse("2026-11-24T16:00:00Z"), BigInteger.valueOf(3_000_000), 2, BigInteger.valueOf(100_000)),
                new JobExpiring("job-1", Instant.parse("2026-11-24T16:00:00Z")),
                new JobSpecChanged("job-1", new JobSpec(SPEC.kind(), SPEC.alias(), SPEC.image(),
                        SPEC.vcs() == null ? null : SPEC.vcs().pinnedTo("b2"), SPEC.commands(), SPEC.env(), SPEC.secretEnvNames(),
                        SPEC.port(), SPEC.resources(), SPEC.restartPolicy(), SPEC.healthCheck(), SPEC.targetNodes(),
                        SPEC.targetNodeCount(), SPEC.nodeTags(), SPEC.durationEpochs(), SPEC.volumes(), SPEC.fileVolumes(),
                        SPEC.tunnel(), SPEC.registry(), SPEC.egress(), 3), "rolled back to b2 by 0xabc"));
    }

    @Test
    void everyTypeRoundTripsThroughJson() {
        List<EventPayload> samples = samples();
        assertThat(samples.stream().map(p -> EventType.of(p.getClass())).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder(EventType.values());
        for (EventPayload payload : samples) {
            Event<?> event = Event.of(payload, Instant.parse("2026-11-23T10:00:00Z"));
            Event<?> decoded = EventCodec.decode(EventCodec.encode(event));
            assertThat(decoded).isEqualTo(event);
            assertThat(decoded.key()).isEqualTo(payload.key());
        }
    }

    @Test
    void aSpecWrittenBeforeRevisionsAndPinsReadsAsRevisionZeroFollowingTheBranch() {
        String json = EventCodec.toJson(SPEC);
        assertThat(json).contains("\"revision\":0", "\"commit\":null").doesNotContain("pinned");
        String older = json.replace(",\"revision\":0", "").replace(",\"commit\":null", "");
        JobSpec read = EventCodec.fromJson(older, JobSpec.class);
        assertThat(read).isEqualTo(SPEC);
        assertThat(read.revision()).isZero();
        assertThat(read.vcs().pinned()).isFalse();
        assertThat(EventCodec.fromJson(EventCodec.toJson(SPEC.withRevision(4)), JobSpec.class).revision()).isEqualTo(4);
    }

    @Test
    void envelopeCarriesIdTypeKeyTimeAndVersion() {
        Event<?> event = Event.of(new JobStopRequested("job-9", "owner"));
        String json = EventCodec.encode(event);
        assertThat(json).contains("\"id\":\"" + event.id() + "\"", "\"type\":\"JobStopRequested\"",
                "\"schemaVersion\":1", "\"key\":\"job-9\"", "\"time\":\"");
        assertThat(EventCodec.typeOf(json)).isEqualTo("JobStopRequested");
        assertThat(event.topic()).isEqualTo(Topics.JOB_COMMANDS);
        assertThat(event.eventType().producer()).isEqualTo("project-svc");
    }

    @Test
    void unknownFieldsAreIgnoredSoProducersCanAddOptionalFields() {
        String json = "{\"id\":\"7f1e1c5e-4a9a-4f5e-9a55-0c1d2b3a4f5e\",\"type\":\"JobStopped\",\"schemaVersion\":1,"
                + "\"key\":\"job-1\",\"time\":\"2026-11-23T10:00:00Z\",\"extra\":true,"
                + "\"payload\":{\"jobId\":\"job-1\",\"nodeId\":\"n\",\"reason\":\"r\",\"addedLater\":42}}";
        assertThat(EventCodec.decode(json).payload()).isEqualTo(new JobStopped("job-1", "n", "r"));
    }

    @Test
    void aSpecWithoutTheListsAddedLaterReadsThemAsEmpty() {
        String json = "{\"kind\":\"CAR\",\"alias\":\"a\",\"image\":\"i\",\"port\":80}";
        JobSpec spec = EventCodec.fromJson(json, JobSpec.class);
        assertThat(spec.volumes()).isEmpty();
        assertThat(spec.fileVolumes()).isEmpty();
        assertThat(spec.commands()).isEmpty();
        assertThat(spec.env()).isEmpty();
        // No tunnel: the built-in ingress, as for every spec stored before tunnels existed.
        assertThat(spec.tunnel()).isNull();
        assertThat(TunnelSettings.needsProcess(spec.tunnel())).isFalse();
    }

    @Test
    void aSpecCarriesItsTunnelWithTheTokenByName() {
        String json = EventCodec.toJson(SPEC);
        assertThat(json).contains(
                "\"tunnel\":{\"engine\":\"cloudflare\",\"hostname\":\"hello.example.org\",\"tokenRef\":\"tunnel.token\"}");
        assertThat(EventCodec.fromJson(json, JobSpec.class)).isEqualTo(SPEC);
        assertThat(TunnelSettings.needsProcess(SPEC.tunnel())).isTrue();
        assertThat(TunnelSettings.needsProcess(new TunnelSettings(TunnelSettings.BUILTIN, null, null))).isFalse();
    }

    @Test
    void aSpecNamesItsRegistryPasswordAndAnOlderSpecHasNoRegistry() {
        String json = EventCodec.toJson(SPEC);
        assertThat(json).contains("\"registry\":{\"server\":\"registry.example.org:5000\",\"username\":\"deployer\","
                + "\"passwordRef\":\"registry.password\"}");
        assertThat(EventCodec.fromJson(json, JobSpec.class).registry()).isEqualTo(SPEC.registry());
        assertThat(EventCodec.fromJson("{\"kind\":\"CAR\",\"alias\":\"a\",\"image\":\"i\",\"port\":80}", JobSpec.class).registry())
                .isNull();
    }

    @Test
    void malformedRecordsAreRejectedWithAReason() {
        assertThatThrownBy(() -> EventCodec.decode("not json")).isInstanceOf(MalformedEventException.class)
                .hasMessageStartingWith("not JSON");
        assertThatThrownBy(() -> EventCodec.decode("{\"type\":\"Nope\"}")).isInstanceOf(MalformedEventException.class)
                .hasMessageContaining("unknown event type 'Nope'");
        assertThatThrownBy(() -> EventCodec.decode("{\"type\":\"JobStopped\",\"schemaVersion\":1,\"key\":\"k\","
                + "\"time\":\"2026-11-23T10:00:00Z\",\"payload\":{}}")).isInstanceOf(MalformedEventException.class)
                .hasMessageContaining("missing 'id'");
        assertThatThrownBy(() -> EventCodec.decode("{\"id\":\"7f1e1c5e-4a9a-4f5e-9a55-0c1d2b3a4f5e\",\"type\":\"JobStopped\","
                + "\"schemaVersion\":9,\"key\":\"k\",\"time\":\"2026-11-23T10:00:00Z\",\"payload\":{}}"))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("newer than this build");
        assertThatThrownBy(() -> EventCodec.decode("[1,2]")).isInstanceOf(MalformedEventException.class);
        assertThatThrownBy(() -> EventCodec.decode(null)).isInstanceOf(MalformedEventException.class);
    }

    @Test
    void everyEventTopicIsDeclaredWithItsPartitions() {
        Map<String, Integer> declared = Topics.declared();
        assertThat(declared).containsKeys(Arrays.stream(EventType.values()).map(EventType::topic).toArray(String[]::new));
        assertThat(declared).containsKey(Topics.DEAD_LETTER);
        assertThat(declared.values()).allMatch(partitions -> partitions > 0);
    }

    /**
     * The broker's ACLs come from the declaration: one producer per topic. Every declared topic but the dead letters
     * carries events, and each is read by someone; the agent (builder-svc) is on no topic at all, it talks to the gateway.
     */
    @Test
    void everyTopicHasOneProducingServiceAndItsConsumers() {
        for (String topic : Topics.declared().keySet()) {
            Topics.Declaration declaration = Topics.declaration(topic);
            if (topic.equals(Topics.DEAD_LETTER)) {
                assertThat(declaration.producer()).isEqualTo(Topics.ANY_SERVICE);
                continue;
            }
            assertThat(declaration.producer()).as(topic).matches("[a-z]+-svc").isNotEqualTo("builder-svc");
            assertThat(declaration.consumers()).as(topic).isNotEmpty().doesNotContain("builder-svc", declaration.producer());
            assertThat(Arrays.stream(EventType.values()).filter(t -> t.topic().equals(topic))).as(topic).isNotEmpty();
        }
        assertThat(EventType.APP_STARTED.producer()).as("agents report through the gateway").isEqualTo("scheduler-svc");
        assertThat(EventType.ROUTE_READY.producer()).isEqualTo("tunnel-svc");
        assertThat(EventType.NODE_REGISTERED.producer()).isEqualTo("project-svc");
    }

    /** A FundsLocked recorded before the payer and job type were announced still reads, with those unknown (null). */
    @Test
    void aFundsLockedOfTheFirstShapeStillReads() {
        String before = "{\"id\":\"5b0f0a2e-8a4e-4c57-9a51-3c0a3f1f6a10\",\"type\":\"FundsLocked\",\"schemaVersion\":1,"
                + "\"key\":\"job-1\",\"time\":\"2026-11-23T10:00:00Z\",\"payload\":{\"jobId\":\"job-1\",\"chainJobId\":10,\"amount\":30000000,"
                + "\"token\":\"0xtoken\",\"epochs\":30,\"nodes\":1,\"transactionHash\":\"0xtx\"}}";
        FundsLocked locked = (FundsLocked) EventCodec.decode(before).payload();
        assertThat(locked.payer()).isNull();
        assertThat(locked.jobType()).isNull();
        assertThat(locked.amount()).isEqualTo(new BigInteger("30000000"));
    }

    /** A SettlementCompleted recorded before the split by operator reads with no operators listed (not null). */
    @Test
    void aSettlementCompletedWithoutOperatorsReadsThemAsEmpty() {
        String before = "{\"id\":\"5b0f0a2e-8a4e-4c57-9a51-3c0a3f1f6a11\",\"type\":\"SettlementCompleted\",\"schemaVersion\":1,"
                + "\"key\":\"job-1\",\"time\":\"2026-11-23T10:00:00Z\",\"payload\":{\"jobId\":\"job-1\",\"epoch\":12,"
                + "\"transactionHash\":\"0xtx\",\"paid\":375000,\"withheld\":0}}";
        SettlementCompleted settled = (SettlementCompleted) EventCodec.decode(before).payload();
        assertThat(settled.operators()).isEmpty();
        assertThat(settled.paid()).isEqualTo(BigInteger.valueOf(375000));
    }
}
