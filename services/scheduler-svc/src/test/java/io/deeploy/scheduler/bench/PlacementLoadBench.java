package io.deeploy.scheduler.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.Resources;
import io.deeploy.outbox.testing.ServiceProcesses;
import io.deeploy.outbox.testing.TestInfra;
import io.deeploy.scheduler.bench.GatewayLoadBench.Agent;
import io.deeploy.scheduler.bench.GatewayLoadBench.Beats;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Placements through the scheduler under load: a benchmark, not a test (nothing is asserted; see bench/README.md). The
 * packaged scheduler-svc runs as a process on the test instance's PostgreSQL and Kafka. 10,000 simulated nodes are
 * registered and keep heartbeating every 5 s through the gateway (as {@link GatewayLoadBench} does) for the whole run.
 * Then, at each offered rate of a ramp, JobRequested events (one node each, no tag filter) go to the job commands
 * topic at that rate for a step's time, and the NodeSelected events the scheduler answers with are read from the job
 * events topic: placements per second achieved (answered ÷ time from the first request to the last answer), the latency
 * from publishing a request to reading its answer (HdrHistogram p50/p99/p99.9), the scheduler's CPU and its RSS. The ramp
 * stops at the first step that does not keep up (less than 90 % of the offered rate, or requests unanswered 60 s after
 * the last was sent): that is the saturation point. The heartbeats, the producer, the consumer and the scheduler share
 * the machine's cores with PostgreSQL and Kafka.
 *
 * <p>Run from the repository root: {@code bench/load.sh scheduler-svc}; -Dbench.nodes=10000, -Dbench.rates=20,50,...,
 * -Dbench.seconds=20.
 */
class PlacementLoadBench {

    static final int NODES = Integer.getInteger("bench.nodes", 10_000);
    static final List<Integer> RATES = Arrays.stream(System.getProperty("bench.rates", "10,25,50,100,200,400,800,1600").split(","))
            .map(String::strip).map(Integer::parseInt).toList();
    static final int STEP_SECONDS = Integer.getInteger("bench.seconds", 20);
    static final Duration DRAIN = Duration.ofSeconds(60);
    static final Path SCHEDULER_LOG = Path.of("target", "placement-bench-scheduler.log");
    /*
     * Small jobs (10m CPU, 16 MiB): a simulated node holds 400, so the whole ramp fits in the cluster. With 100m jobs, 1,000
     * nodes held 40,000 and a long ramp ran out of room: the jobs past it wait, unanswered, which reads as saturation.
     */
    static final JobSpec SPEC = new JobSpec(JobKind.CAR, "a", "local/debian:bookworm", null, List.of(), Map.of(), List.of(), 80,
            new Resources(10, 16, 0), "always", null, List.of(), 1, List.of(), 30, null, null, null, null);

    @Test
    void measure() throws Exception {
        int gatewayPort = ServiceProcesses.freePort();
        int httpPort = ServiceProcesses.freePort();
        Process scheduler = GatewayLoadBench.launch(httpPort, gatewayPort, SCHEDULER_LOG);
        Beats beats = null;
        try {
            ServiceProcesses.awaitReady("scheduler-svc", scheduler, "http://127.0.0.1:" + httpPort + "/q/health/ready", SCHEDULER_LOG);
            List<Agent> agents = new ArrayList<>();
            GatewayLoadBench.register(agents, NODES);
            GatewayLoadBench.awaitRegistered(agents, gatewayPort, GatewayLoadBench.AUDIENCE);
            beats = GatewayLoadBench.beat(agents, gatewayPort, GatewayLoadBench.AUDIENCE);
            // Every node has been heard (it is READY: the first heartbeats of 10,000 nodes take a while through the gateway,
            // and each adds a node, which makes every decision re-read the nodes), then the heartbeats' steady rate.
            awaitReady(httpPort, NODES);
            Thread.sleep(GatewayLoadBench.INTERVAL_MILLIS);
            System.out.printf("bench: placements, %d nodes heartbeating every 5 s, %d s per step, jobs of one node without tags%n",
                    NODES, STEP_SECONDS);
            System.out.println("bench: | offered/s | requested | placed | placed/s | p50 ms | p99 ms | p99.9 ms | max ms"
                    + " | scheduler CPU | RSS MB | heartbeats failed |");
            System.out.println("bench: |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            try (Placements placements = new Placements()) {
                for (int rate : RATES) {
                    long beatErrors = beats.errors().get();
                    long cpuBefore = ServiceProcesses.cpuMillis(scheduler.pid());
                    long started = System.nanoTime();
                    Step step = placements.run(rate, STEP_SECONDS);
                    double wallSeconds = (System.nanoTime() - started) / 1e9;
                    double cores = (ServiceProcesses.cpuMillis(scheduler.pid()) - cpuBefore) / 1e3 / wallSeconds;
                    Histogram latency = step.latency();
                    System.out.printf("bench: | %d | %d | %d | %.0f | %.1f | %.1f | %.1f | %.1f | %.2f cores | %d | %d |%n", rate,
                            step.requested(), latency.getTotalCount(), step.placedPerSecond(),
                            latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(99) / 1e3,
                            latency.getValueAtPercentile(99.9) / 1e3, latency.getMaxValue() / 1e3, cores,
                            ServiceProcesses.rssMb(scheduler.pid()), beats.errors().get() - beatErrors);
                    if (latency.getTotalCount() < step.requested() || step.placedPerSecond() < 0.9 * rate) {
                        System.out.printf("bench: saturated at %d/s offered: %.0f placements/s%n", rate, step.placedPerSecond());
                        break;
                    }
                }
            }
        } finally {
            if (beats != null) {
                beats.stop();
            }
            ServiceProcesses.stop(scheduler);
        }
    }

    /** Waits until the registry lists {@code count} READY nodes. */
    static void awaitReady(int httpPort, int count) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest list = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/api/nodes")).build();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        long ready = 0;
        while (System.nanoTime() < deadline) {
            JsonNode nodes = JSON.readTree(http.send(list, HttpResponse.BodyHandlers.ofString()).body());
            ready = 0;
            for (JsonNode node : nodes) {
                ready += "READY".equals(node.path("state").asText()) ? 1 : 0;
            }
            if (ready >= count) {
                return;
            }
            Thread.sleep(5_000);
        }
        throw new IllegalStateException("only " + ready + " of " + count + " nodes READY after 10 minutes");
    }

    static final ObjectMapper JSON = new ObjectMapper();

    /** What one step measured: latencies in microseconds. */
    record Step(long requested, Histogram latency, double placedPerSecond) {
    }

    /** Publishes job requests and reads the scheduler's answers, on the test instance's broker. */
    static final class Placements implements AutoCloseable {

        private final KafkaProducer<String, String> producer;
        private final KafkaConsumer<String, String> consumer;

        Placements() {
            Properties props = TestInfra.kafkaAdminClient();
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
            producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
            Properties consumerProps = TestInfra.kafkaAdminClient();
            consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.JOB_EVENTS, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(Topics.JOB_EVENTS, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
        }

        /**
         * Sends {@code rate} requests a second, evenly spaced, for {@code seconds} from a thread of its own, while this
         * thread reads the answers; returns when every request is answered or {@link #DRAIN} after the last was sent.
         */
        Step run(int rate, int seconds) throws InterruptedException {
            String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 8) + "-";
            int total = rate * seconds;
            Map<String, Long> sentAt = new ConcurrentHashMap<>();
            AtomicLong lastSent = new AtomicLong();
            AtomicBoolean sending = new AtomicBoolean(true);
            long first = System.nanoTime();
            Thread sender = new Thread(() -> {
                for (int i = 0; i < total; i++) {
                    long due = first + TimeUnit.SECONDS.toNanos(i) / rate;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        try {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    String jobId = prefix + i;
                    Event<JobRequested> event = Event.of(new JobRequested(jobId, "bench", "bench", SPEC));
                    sentAt.put(jobId, System.nanoTime());
                    producer.send(new ProducerRecord<>(event.topic(), event.key(), EventCodec.encode(event)));
                }
                producer.flush();
                lastSent.set(System.nanoTime());
                sending.set(false);
            }, "placement-bench-sender");
            sender.start();
            Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
            long lastAnswer = first;
            while (latency.getTotalCount() < total
                    && (sending.get() || System.nanoTime() - lastSent.get() < DRAIN.toNanos())) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                    if (record.key() == null || !record.key().startsWith(prefix)) {
                        continue;
                    }
                    Event<?> event = EventCodec.decode(record.value());
                    Long sent = sentAt.remove(record.key());
                    if (event.payload() instanceof NodeSelected && sent != null) {
                        lastAnswer = System.nanoTime();
                        latency.recordValue(Math.max(0, (lastAnswer - sent) / 1_000));
                    }
                }
            }
            sender.interrupt();
            sender.join();
            double placedPerSecond = latency.getTotalCount() / ((lastAnswer - first) / 1e9);
            return new Step(total, latency, placedPerSecond);
        }

        @Override
        public void close() {
            producer.close();
            consumer.close();
        }
    }
}
