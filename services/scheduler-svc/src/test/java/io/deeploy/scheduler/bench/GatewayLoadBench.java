package io.deeploy.scheduler.bench;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.NodeRegistered;
import io.deeploy.events.payload.Resources;
import io.deeploy.node.Ed25519Keys;
import io.deeploy.node.NodeSigner;
import io.deeploy.node.api.GatewayApi;
import io.deeploy.node.api.Heartbeat;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.outbox.testing.ServiceProcesses;
import io.deeploy.outbox.testing.TestInfra;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The node gateway under the heartbeats of many agents: a benchmark, not a test (nothing is asserted; see
 * bench/README.md). The packaged scheduler-svc runs as a process on the test instance's PostgreSQL and Kafka; 1,000 and
 * then 10,000 simulated agents, each registered with a key of its own, send a signed heartbeat every 5 s (at random
 * phases), as many in flight as the gateway lets through. Each round is warmed up, then measured: heartbeats accepted per
 * second against the ones due, latency p50/p99/max from send to answer, the gateway process's CPU (its own time over
 * wall time, in cores) and RSS. The agents' signing runs in this process, on the same two cores.
 *
 * <p>Run from the repository root: {@code bench/gateway-load.sh}; -Dbench.agents=1000,10000, -Dbench.seconds=60.
 */
class GatewayLoadBench {

    static final List<Integer> AGENTS = Arrays.stream(System.getProperty("bench.agents", "1000,10000").split(","))
            .map(String::strip).map(Integer::parseInt).toList();
    static final int MEASURE_SECONDS = Integer.getInteger("bench.seconds", 60);
    static final int WARM_UP_SECONDS = 20;
    static final long INTERVAL_MILLIS = 5_000;
    /** This run's installation audience, handed to the scheduler it launches. */
    static final Path SCHEDULER_LOG = Path.of("target", "gateway-bench-scheduler.log");
    static final String AUDIENCE = "deeploy-bench-" + java.util.UUID.randomUUID();
    static final Resources CAPACITY = new Resources(4000, 8192, 0);

    record Agent(NodeSigner signer, String bootId, AtomicLong sequence, long phaseMillis) {
    }

    @Test
    void measure() throws Exception {
        int gatewayPort = ServiceProcesses.freePort();
        int httpPort = ServiceProcesses.freePort();
        Process scheduler = launch(httpPort, gatewayPort);
        try {
            ServiceProcesses.awaitReady("scheduler-svc", scheduler, "http://127.0.0.1:" + httpPort + "/q/health/ready",
                    SCHEDULER_LOG);
            String audience = AUDIENCE;
            List<Agent> agents = new ArrayList<>();
            for (int round : AGENTS) {
                register(agents, round);
                awaitRegistered(agents, gatewayPort, audience);
                run(agents, gatewayPort, audience, scheduler, WARM_UP_SECONDS, null);
                run(agents, gatewayPort, audience, scheduler, MEASURE_SECONDS, "bench: gateway, " + agents.size()
                        + " agents beating every 5 s");
            }
        } finally {
            ServiceProcesses.stop(scheduler);
        }
    }

    /** Adds agents up to {@code total}, each registered (NodeRegistered, as project-svc announces it) with its own key. */
    static void register(List<Agent> agents, int total) {
        try (KafkaEvents kafka = KafkaEvents.fromEnvironment()) {
            while (agents.size() < total) {
                String nodeId = "bench-" + agents.size() + "-" + UUID.randomUUID().toString().substring(0, 6);
                NodeSigner signer = new NodeSigner(nodeId, Ed25519Keys.generate());
                kafka.publish(Event.of(new NodeRegistered(nodeId, signer.publicKey(), "0x00000000000000000000000000000000000000bb",
                        "0x00000000000000000000000000000000000000bb", "10.0." + (agents.size() / 250) % 250 + "." + (1 + agents.size() % 250))));
                agents.add(new Agent(signer, UUID.randomUUID().toString(), new AtomicLong(),
                        (long) (Math.random() * INTERVAL_MILLIS)));
            }
        }
    }

    /** Waits until the registry has consumed the registrations: the last agent's heartbeat is accepted. */
    static void awaitRegistered(List<Agent> agents, int port, String audience) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (System.nanoTime() < deadline) {
            if (http.send(request(agents.get(agents.size() - 1), port, audience), HttpResponse.BodyHandlers.discarding())
                    .statusCode() == 200) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the registrations were not consumed within 5 minutes");
    }

    static HttpRequest request(Agent agent, int port, String audience) {
        byte[] body = EventCodec.toJson(new Heartbeat(agent.bootId(), agent.sequence().incrementAndGet(), CAPACITY, CAPACITY,
                Map.of("CT", "FR"), "bench", List.of())).getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + GatewayApi.HEARTBEAT))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        agent.signer().headers(audience, "POST", GatewayApi.HEARTBEAT, body).forEach(builder::header);
        return builder.build();
    }

    /**
     * Every agent beats every 5 s at its own phase for {@code seconds}; with a label, what was measured is printed. At most
     * 512 requests are in flight: beats due beyond that are sent late, which shows as latency and a lower rate.
     */
    static void run(List<Agent> agents, int port, String audience, Process scheduler, int seconds, String label) throws Exception {
        long start = System.currentTimeMillis();
        long cpuBefore = ServiceProcesses.cpuMillis(scheduler.pid());
        Beats beats = beat(agents, port, audience);
        Thread.sleep(seconds * 1000L);
        beats.stop();
        double wall = (System.currentTimeMillis() - start) / 1000.0;
        double cores = (ServiceProcesses.cpuMillis(scheduler.pid()) - cpuBefore) / 1000.0 / wall;
        if (label == null) {
            return;
        }
        long[] sorted = beats.latencies().stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("%s: %d accepted in %.0f s (%.0f/s, %.0f/s due), %d failed; latency p50 %.2f ms, p99 %.2f ms, max %.1f ms;"
                        + " gateway CPU %.2f cores, RSS %d MB%n", label, sorted.length, wall, sorted.length / wall,
                agents.size() * 1000.0 / INTERVAL_MILLIS, beats.errors().get(), percentile(sorted, 0.50), percentile(sorted, 0.99),
                sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6, cores, ServiceProcesses.rssMb(scheduler.pid()));
    }

    /** Heartbeats being sent; {@link #stop} ends them and waits for those in flight. */
    record Beats(ScheduledExecutorService ticker, Semaphore inFlight, ConcurrentLinkedQueue<Long> latencies, AtomicLong errors) {

        void stop() throws InterruptedException {
            ticker.shutdownNow();
            inFlight.acquire(MAX_IN_FLIGHT);
        }
    }

    static final int MAX_IN_FLIGHT = 512;

    /** Starts every agent beating every 5 s at its own phase, until the answer is stopped. */
    static Beats beat(List<Agent> agents, int port, String audience) {
        HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(4)).build();
        Beats beats = new Beats(Executors.newSingleThreadScheduledExecutor(), new Semaphore(MAX_IN_FLIGHT),
                new ConcurrentLinkedQueue<>(), new AtomicLong());
        long start = System.currentTimeMillis();
        long[] nextIndex = {0};
        beats.ticker().scheduleAtFixedRate(() -> {
            long elapsed = System.currentTimeMillis() - start;
            // Each agent is due once per interval, at its phase: send everything due up to now.
            long dueUpTo = elapsed * agents.size() / INTERVAL_MILLIS;
            while (nextIndex[0] < dueUpTo) {
                Agent agent = agents.get((int) (nextIndex[0]++ % agents.size()));
                try {
                    beats.inFlight().acquire();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                long sent = System.nanoTime();
                http.sendAsync(request(agent, port, audience), HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
                    beats.inFlight().release();
                    if (failure != null || response.statusCode() != 200) {
                        beats.errors().incrementAndGet();
                    } else {
                        beats.latencies().add(System.nanoTime() - sent);
                    }
                });
            }
        }, 0, 10, TimeUnit.MILLISECONDS);
        return beats;
    }

    static double percentile(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    static Process launch(int httpPort, int gatewayPort) throws IOException {
        return launch(httpPort, gatewayPort, SCHEDULER_LOG);
    }

    static Process launch(int httpPort, int gatewayPort, Path log) throws IOException {
        // Another build's scheduler (bench.scheduler-jar) measures a version before a change beside it, on the same instance.
        Path jar = Path.of(System.getProperty("bench.scheduler-jar", "target/quarkus-app/quarkus-run.jar"));
        ProcessBuilder builder = new ProcessBuilder("java", "-Xmx512m", "-jar", jar.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(TestInfra.serviceEnvironment("scheduler-svc"));
        builder.environment().put("DEEPLOY_HTTP_PORT", String.valueOf(httpPort));
        builder.environment().put("DEEPLOY_GATEWAY_PORT", String.valueOf(gatewayPort));
        builder.environment().put("DEEPLOY_AUDIENCE", AUDIENCE);
        // Many agents: the registry's pool must not be the limit before the gateway is.
        builder.environment().put("QUARKUS_DATASOURCE_REACTIVE_MAX_SIZE", "40");
        return builder.start();
    }
}
