package io.deeploy.builder.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import io.deeploy.builder.TestPlatform;
import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.JobIds;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.AppFailed;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.BuildStarted;
import io.deeploy.events.payload.HealthCheck;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.NodeRegistered;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.Resources;
import io.deeploy.events.payload.VcsSource;
import io.deeploy.node.Ed25519Keys;
import io.deeploy.outbox.testing.GitDaemon;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.outbox.testing.ServiceProcesses;
import io.deeploy.outbox.testing.TestInfra;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The node agent under load on one node: a benchmark, not a test (no figure is asserted; it fails only when a job is
 * lost, started twice or leaves something behind; see bench/README.md). The packaged builder-svc runs alone as a
 * process, as an operator runs it, against the real scheduler-svc of {@link TestPlatform} (a process on the test
 * instance's Kafka and PostgreSQL, whose node gateway is the agent's only way in) and the test instance's Docker engine.
 * The bench registers a node of its own for it (NodeRegistered, as project-svc announces a registration), requests and
 * stops jobs as project-svc does (on job-commands) and reads what the platform learns on job-events.
 *
 * <ul>
 * <li><b>Concurrent deployments.</b> At each step of a ramp ({@code bench.concurrency}, 1, 4, 16 and 32 at once), that
 * many container-app (CAR) jobs are requested together, {@code bench.rounds} times: python's http.server in the node's
 * own {@code local/python:bookworm}, an HTTP health check, half a core and 128 MB each. A deployment is timed from its
 * allocation (the scheduler's NodeSelected, stamped when it placed the job) to its app serving (the agent's AppStarted,
 * stamped when the agent switched to the container that passed its health check); its app is then asked for its page.
 * The reference, in the same run and at the same step: the same containers (image, command, limits, hardening, a port
 * published on loopback) created and started directly through the engine's API by as many threads at once, each timed
 * to its first answer, probed every 250 ms as the agent's health check probes. What the agent adds beyond it: the
 * gateway's long poll, a network per job, its own checks and reports. After each round everything is stopped, and the
 * agent's stops must be confirmed with nothing of the jobs left in the engine.</li>
 * <li><b>Redeploy storm.</b> {@code bench.storm-jobs} (20) worker-app (WAR) jobs on branch main of one repository of a
 * git daemon on loopback (build command {@code true}, so that the agent's work is measured rather than a build), polled
 * an hour apart so that only the webhook explains a redeploy. One commit is pushed and one signed webhook sent to the
 * agent; each job is timed from the push to its AppStarted of the new commit. The reference, in the same run: one job
 * alone on a repository of its own, redeployed the same way {@code bench.reference-pushes} times. Afterwards every job
 * must have built and started the new commit exactly once, serve it, and keep one container.</li>
 * </ul>
 * Printed per step: deployments per second, latency p50/p99/p99.9/max (HdrHistogram), builder-svc's CPU (from /proc:
 * cores over the step, CPU per deployment) and RSS. At the end no container, job network or volume of the bench may be
 * left in the engine and the agent may hold no allocation. The agent's own log: target/deploy-load-bench-builder-svc.log.
 *
 * <p>Run from the repository root: {@code bench/load.sh builder-svc}; -Dbench.concurrency=1,4,16,32, -Dbench.rounds=3,
 * -Dbench.storm-jobs=20, -Dbench.reference-pushes=3.
 */
class DeployLoadBench {

    static final List<Integer> CONCURRENCY = Arrays.stream(System.getProperty("bench.concurrency", "1,4,16,32").split(","))
            .map(String::strip).map(Integer::parseInt).toList();
    static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
    static final int STORM_JOBS = Integer.getInteger("bench.storm-jobs", 20);
    static final int REFERENCE_PUSHES = Integer.getInteger("bench.reference-pushes", 3);

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    /** The bench's own node, registered with a key made here; the agent finds the key in its work directory. */
    static final String NODE = "load-bench-node";
    static final String OPERATOR = "0x00000000000000000000000000000000000000bb";
    static final String PROJECT = "prj-load-bench";
    static final String WEBHOOK_SECRET = "load-bench-" + UUID.randomUUID();
    /** Labels the reference's containers, which the agent never sees. */
    static final String REFERENCE_LABEL = "deeploy.load-bench.reference";
    static final Path AGENT_LOG = Path.of("target", "deploy-load-bench-builder-svc.log");

    static final String IMAGE = "local/python:bookworm";
    static final String APP_COMMAND = "python3 -m http.server 8000";
    static final int PORT = 8000;
    static final Resources RESOURCES = new Resources(500, 128, 0);
    static final HealthCheck HTTP_CHECK = new HealthCheck(HealthCheck.Mode.HTTP, "/", 0, 120, 5);
    /** How often the agent's health check asks a starting app (HealthProbe), and so the reference too. */
    static final Duration PROBE_EVERY = Duration.ofMillis(250);
    /** The agent's default drain delay, set explicitly so that the bench knows when an old version is gone. */
    static final Duration DRAIN = Duration.ofSeconds(3);
    static final Duration DEPLOY_WITHIN = Duration.ofMinutes(5);
    static final Duration STOP_WITHIN = Duration.ofMinutes(3);

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2))
            .build();
    final List<String> problems = new CopyOnWriteArrayList<>();
    KafkaEvents kafka;
    JobEvents events;
    DockerClient docker;
    Process agent;
    int agentPort;
    String schedulerUrl;

    @Test
    void measure() throws Exception {
        TestPlatform platform = new TestPlatform();
        Map<String, String> platformSettings = platform.start();
        schedulerUrl = platformSettings.get("deeploy.test.scheduler-url");
        GitDaemon git = null;
        try {
            kafka = KafkaEvents.fromEnvironment();
            events = new JobEvents();
            docker = dockerClient();
            removeLeftovers();
            git = GitDaemon.start();
            Path workDir = Path.of("target", "deploy-load-bench-" + RUN).toAbsolutePath();
            KeyPair key = Ed25519Keys.loadOrCreate(workDir.resolve("node.key"));
            kafka.publish(Event.of(new NodeRegistered(NODE, Ed25519Keys.encode(key.getPublic()), OPERATOR, OPERATOR, "127.0.0.1")));
            agentPort = ServiceProcesses.freePort();
            long launched = System.nanoTime();
            agent = launchAgent(platformSettings.get("deeploy.node.gateway-url"), workDir);
            ServiceProcesses.awaitReady("builder-svc", agent, agentUrl("/q/health/ready"), AGENT_LOG);
            double readySeconds = (System.nanoTime() - launched) / 1e9;
            awaitNodeReady();
            System.out.printf("bench: run: bench/load.sh builder-svc (BENCH_CONCURRENCY=%s BENCH_ROUNDS=%d BENCH_STORM_JOBS=%d"
                            + " BENCH_REFERENCE_PUSHES=%d)%n", String.join(",", CONCURRENCY.stream().map(String::valueOf).toList()),
                    ROUNDS, STORM_JOBS, REFERENCE_PUSHES);
            System.out.printf("bench: builder-svc packaged, alone (java -Xms64m -Xmx256m; its defaults but heartbeats every 1 s"
                            + " and 64 cores, 64 GB offered), ready %.1f s after launch, RSS %d MB; %d cores, Java %s, Docker %s;"
                            + " load average %s%n", readySeconds,
                    ServiceProcesses.rssMb(agent.pid()), Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"), docker.versionCmd().exec().getVersion(), loadAverage());
            concurrentDeployments();
            redeployStorm(git);
            checkNothingLeft();
            System.out.printf("bench: builder-svc over the whole run (its start included): %.1f s of CPU, RSS now %d MB, peak %d MB"
                            + " (VmHWM); load average %s%n", ServiceProcesses.cpuMillis(agent.pid()) / 1e3,
                    ServiceProcesses.rssMb(agent.pid()), peakRssMb(agent.pid()), loadAverage());
        } finally {
            if (agent != null) {
                ServiceProcesses.stop(agent);
            }
            if (git != null) {
                git.close();
            }
            if (docker != null) {
                try {
                    removeLeftovers();
                } catch (RuntimeException e) {
                    System.err.println("load bench: removing what is left: " + e);
                }
            }
            closeQuietly(events);
            closeQuietly(kafka);
            closeQuietly(docker);
            platform.stop();
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the bench's checks failed: " + String.join("; ", problems));
        }
    }

    // --- concurrent deployments ---------------------------------------------------------------------------------------

    void concurrentDeployments() throws Exception {
        // The first deployments after a start load classes and compile code, on both paths: not counted.
        referenceRound(2, new Tally());
        agentRound(2, new Tally());
        System.out.printf("bench: concurrent deployments on one node: CAR jobs (%s, `%s`, HTTP health check, %d millicores and"
                        + " %d MB each) allocated together, %d rounds per step; the reference: the same containers started"
                        + " directly through the engine's API, as many at once%n", IMAGE, APP_COMMAND, RESOURCES.cpuMillis(),
                RESOURCES.memoryMb(), ROUNDS);
        System.out.println("bench: | at once | path | deployments | deployments/s | p50 ms | p99 ms | p99.9 ms | max ms"
                + " | request → allocation p50 / max ms | all stopped after s | builder-svc CPU | CPU ms per deployment | RSS MB"
                + " | failed starts |");
        System.out.println("bench: |---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        double previousRate = 0;
        int previousCount = 0;
        boolean saturated = false;
        for (int count : CONCURRENCY) {
            Tally reference = new Tally();
            Tally agentTally = new Tally();
            for (int round = 0; round < ROUNDS; round++) {
                referenceRound(count, reference);
                agentRound(count, agentTally);
            }
            System.out.printf("bench: | %d | docker engine directly (reference): start → answering | %d | %.2f | %s | %s | %s | %s"
                            + " | — | %.1f | — | — | — | %d not answering |%n", count, reference.served, reference.perSecond(),
                    ms(reference.latency, 50), ms(reference.latency, 99), ms(reference.latency, 99.9), maxMs(reference.latency),
                    reference.stopSeconds / Math.max(1, reference.rounds), reference.unserved);
            System.out.printf("bench: | %d | builder-svc: allocation → serving | %d | %.2f | %s | %s | %s | %s | %s / %s | %.1f | %s | %s"
                            + " | %d | %d |%n", count, agentTally.served, agentTally.perSecond(), ms(agentTally.latency, 50),
                    ms(agentTally.latency, 99), ms(agentTally.latency, 99.9), maxMs(agentTally.latency), ms(agentTally.hop, 50),
                    maxMs(agentTally.hop), agentTally.stopSeconds / Math.max(1, agentTally.rounds), agentTally.cores(),
                    agentTally.cpuPerDeployment(), agentTally.rssMb, agentTally.failedStarts);
            if (agentTally.placedAgain > 0) {
                System.out.printf("bench: at %d at once, %d jobs were placed again (was the node declared lost?)%n", count,
                        agentTally.placedAgain);
            }
            if (agentTally.unserved > 0) {
                System.out.printf("bench: at %d at once, %d of %d deployments did not serve within %d s: the ramp stops here%n", count,
                        agentTally.unserved, count * ROUNDS, DEPLOY_WITHIN.toSeconds());
                break;
            }
            if (!saturated && previousCount > 0 && agentTally.perSecond() < 1.1 * previousRate) {
                saturated = true;
                System.out.printf("bench: saturated: %d at once deploy %.2f/s, not more than %d at once (%.2f/s)%n", count,
                        agentTally.perSecond(), previousCount, previousRate);
            }
            previousRate = agentTally.perSecond();
            previousCount = count;
        }
    }

    /** {@code count} CAR jobs requested at once; each timed from its allocation to its app serving, then all stopped. */
    void agentRound(int count, Tally tally) throws Exception {
        List<String> ids = newIds(count);
        Map<String, Instant> requestedAt = new HashMap<>();
        long cpuBefore = ServiceProcesses.cpuMillis(agent.pid());
        long wallStart = System.nanoTime();
        for (String id : ids) {
            requestedAt.put(id, Instant.now());
            request(id, car());
        }
        awaitUntil(DEPLOY_WITHIN, () -> ids.stream().allMatch(id -> !events.of(id, AppStarted.class).isEmpty()));
        tally.cpuMillis += ServiceProcesses.cpuMillis(agent.pid()) - cpuBefore;
        tally.wallSeconds += (System.nanoTime() - wallStart) / 1e9;
        tally.rssMb = ServiceProcesses.rssMb(agent.pid());
        recordDeployments(ids, requestedAt, tally);
        tally.stopSeconds += stopAndConfirm(ids);
        tally.rounds++;
    }

    /**
     * Allocation → serving of each job (its first NodeSelected and AppStarted), request → allocation, the failed starts
     * (AppFailed), and whether each app answers at the port its AppStarted names.
     */
    void recordDeployments(List<String> ids, Map<String, Instant> requestedAt, Tally tally) throws Exception {
        Instant firstAllocated = null;
        Instant lastServing = null;
        for (String id : ids) {
            List<Seen<NodeSelected>> selected = events.of(id, NodeSelected.class);
            List<Seen<AppStarted>> started = events.of(id, AppStarted.class);
            tally.failedStarts += events.of(id, AppFailed.class).size();
            if (selected.size() > 1) {
                tally.placedAgain++;
            }
            if (selected.isEmpty() || started.isEmpty()) {
                tally.unserved++;
                continue;
            }
            Instant allocated = selected.get(0).time();
            Instant serving = started.get(0).time();
            tally.latency.recordValue(micros(allocated, serving));
            tally.hop.recordValue(micros(requestedAt.get(id), allocated));
            tally.served++;
            firstAllocated = firstAllocated == null || allocated.isBefore(firstAllocated) ? allocated : firstAllocated;
            lastServing = lastServing == null || serving.isAfter(lastServing) ? serving : lastServing;
            int status = status(started.get(0).payload().port());
            if (status != 200) {
                problem("job " + id + " reported serving on port " + started.get(0).payload().port() + ", which answered " + status);
            }
        }
        if (firstAllocated != null) {
            tally.makespanSeconds += micros(firstAllocated, lastServing) / 1e6;
        }
    }

    /**
     * The reference: {@code count} threads create and start the same container at once through the engine's API and
     * probe it until it answers; then all are removed together.
     */
    void referenceRound(int count, Tally tally) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(count);
        List<String> created = new CopyOnWriteArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong start = new AtomicLong();
        try {
            List<Future<Long>> answered = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                answered.add(threads.submit(() -> {
                    go.await();
                    int port = publishedPort(startReference(created));
                    long deadline = start.get() + DEPLOY_WITHIN.toNanos();
                    while (System.nanoTime() < deadline) {
                        if (status(port) == 200) {
                            return (System.nanoTime() - start.get()) / 1_000;
                        }
                        Thread.sleep(PROBE_EVERY.toMillis());
                    }
                    return -1L;
                }));
            }
            start.set(System.nanoTime());
            go.countDown();
            long slowest = 0;
            for (Future<Long> future : answered) {
                long took = future.get();
                if (took < 0) {
                    tally.unserved++;
                    continue;
                }
                tally.latency.recordValue(took);
                tally.served++;
                slowest = Math.max(slowest, took);
            }
            tally.makespanSeconds += slowest / 1e6;
        } finally {
            threads.shutdownNow();
            threads.awaitTermination(1, TimeUnit.MINUTES);
            tally.stopSeconds += removeAll(created);
        }
        tally.rounds++;
    }

    /** One container as the agent makes a CAR job's app container, but straight through the engine; returns its id. */
    String startReference(List<String> created) {
        ExposedPort port = ExposedPort.tcp(PORT);
        long memory = RESOURCES.memoryMb() * 1024 * 1024;
        HostConfig host = HostConfig.newHostConfig()
                .withMemory(memory)
                .withMemorySwap(memory)
                .withNanoCPUs(RESOURCES.cpuMillis() * 1_000_000)
                .withPidsLimit(ContainerRuntime.PIDS_LIMIT)
                .withPrivileged(false)
                .withSecurityOpts(List.of("no-new-privileges"))
                .withCapDrop(Capability.ALL)
                .withCapAdd(ContainerRuntime.ADDED.toArray(Capability[]::new))
                .withPortBindings(new PortBinding(Ports.Binding.bindIp("127.0.0.1"), port));
        String id = docker.createContainerCmd(IMAGE)
                .withName("deeploy-load-bench-" + RUN + "-" + UUID.randomUUID().toString().substring(0, 8))
                .withLabels(Map.of(REFERENCE_LABEL, RUN))
                .withCmd("sh", "-c", "exec " + APP_COMMAND)
                .withExposedPorts(port)
                .withHostConfig(host)
                .exec().getId();
        created.add(id);
        docker.startContainerCmd(id).exec();
        return id;
    }

    int publishedPort(String containerId) {
        Ports.Binding[] bindings = docker.inspectContainerCmd(containerId).exec().getNetworkSettings().getPorts().getBindings()
                .get(ExposedPort.tcp(PORT));
        if (bindings == null || bindings.length == 0) {
            throw new IllegalStateException("port " + PORT + " of reference container " + containerId + " is not published");
        }
        return Integer.parseInt(bindings[0].getHostPortSpec());
    }

    /** Removes the containers all at once, as the agent stops its jobs side by side; returns the seconds it took. */
    double removeAll(List<String> containers) throws InterruptedException {
        long started = System.nanoTime();
        ExecutorService removers = Executors.newFixedThreadPool(Math.max(1, containers.size()));
        for (String id : containers) {
            removers.execute(() -> removeQuietly(id));
        }
        removers.shutdown();
        removers.awaitTermination(5, TimeUnit.MINUTES);
        return (System.nanoTime() - started) / 1e9;
    }

    // --- redeploy storm -----------------------------------------------------------------------------------------------

    void redeployStorm(GitDaemon git) throws Exception {
        System.out.printf("bench: redeploy storm on one node: WAR jobs (%s, build command `true`, `%s`, HTTP health check, %d"
                        + " millicores and %d MB each) on branch main of a git daemon on loopback, polled hourly; a push is announced"
                        + " by one signed webhook to the agent (the agent's defaults: 2 builds at once, drain delay %d s)%n", IMAGE,
                APP_COMMAND, RESOURCES.cpuMillis(), RESOURCES.memoryMb(), DRAIN.toSeconds());
        System.out.println("bench: | what | deployments | p50 ms | p99 ms | p99.9 ms | max ms | deployments/s | builder-svc CPU"
                + " | CPU ms per deployment | RSS MB | failed starts |");
        System.out.println("bench: |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Tally alone = redeployAlone(git);
        stormRow("one job alone, " + REFERENCE_PUSHES + " pushes one after the other (reference): push → serving the new commit",
                alone);
        Tally first = new Tally();
        Tally storm = new Tally();
        int onTheNewCommit = stormOnOneBranch(git, first, storm);
        stormRow(STORM_JOBS + " jobs on one branch, one push: push → each serving the new commit", storm);
        stormRow("the same " + STORM_JOBS + " jobs' first deployment, allocated together: allocation → serving", first);
        System.out.printf("bench: after the storm (and %d s more): %d of %d jobs built and started the new commit exactly once,"
                + " serve it and keep one container%n", DRAIN.plusSeconds(5).toSeconds(), onTheNewCommit, STORM_JOBS);
    }

    /** The reference: one WAR job on a repository of its own, redeployed by a push and a webhook, one push at a time. */
    Tally redeployAlone(GitDaemon git) throws Exception {
        Tally tally = new Tally();
        String repository = "alone-" + RUN;
        String url = git.createRepository(repository, Map.of("index.html", "alone 0"));
        String id = JobIds.newId();
        request(id, war(url));
        if (!awaitUntil(DEPLOY_WITHIN, () -> !events.of(id, AppStarted.class).isEmpty())) {
            problem("the reference WAR job did not serve within " + DEPLOY_WITHIN.toSeconds() + " s");
            stopAndConfirm(List.of(id));
            return tally;
        }
        for (int push = 1; push <= REFERENCE_PUSHES; push++) {
            String content = "alone " + push;
            String commit = git.commit(repository, Map.of("index.html", content), content);
            Instant pushed = Instant.now();
            long cpuBefore = ServiceProcesses.cpuMillis(agent.pid());
            long wallStart = System.nanoTime();
            announcePush(url);
            boolean served = awaitUntil(DEPLOY_WITHIN, () -> startedAt(id, commit).isPresent());
            tally.cpuMillis += ServiceProcesses.cpuMillis(agent.pid()) - cpuBefore;
            tally.wallSeconds += (System.nanoTime() - wallStart) / 1e9;
            if (!served) {
                tally.unserved++;
                problem("the reference WAR job did not serve commit " + commit + " within " + DEPLOY_WITHIN.toSeconds() + " s");
                break;
            }
            long took = micros(pushed, startedAt(id, commit).orElseThrow());
            tally.latency.recordValue(took);
            tally.makespanSeconds += took / 1e6;
            tally.served++;
            // The old version goes after the drain delay: each push starts, as the first did, from one container.
            Thread.sleep(DRAIN.plusSeconds(2).toMillis());
            checkEndedOn(id, commit, content);
        }
        tally.rssMb = ServiceProcesses.rssMb(agent.pid());
        tally.failedStarts = events.of(id, AppFailed.class).size();
        stopAndConfirm(List.of(id));
        return tally;
    }

    /**
     * {@link #STORM_JOBS} WAR jobs on one branch, deployed together ({@code first}), then one push and one webhook
     * ({@code storm}); returns how many jobs ended on the new commit, started exactly once.
     */
    int stormOnOneBranch(GitDaemon git, Tally first, Tally storm) throws Exception {
        String repository = "storm-" + RUN;
        String url = git.createRepository(repository, Map.of("index.html", "storm 1"));
        List<String> ids = newIds(STORM_JOBS);
        Map<String, Instant> requestedAt = new HashMap<>();
        long cpuBefore = ServiceProcesses.cpuMillis(agent.pid());
        long wallStart = System.nanoTime();
        for (String id : ids) {
            requestedAt.put(id, Instant.now());
            request(id, war(url));
        }
        boolean deployed = awaitUntil(DEPLOY_WITHIN, () -> ids.stream().allMatch(id -> !events.of(id, AppStarted.class).isEmpty()));
        first.cpuMillis += ServiceProcesses.cpuMillis(agent.pid()) - cpuBefore;
        first.wallSeconds += (System.nanoTime() - wallStart) / 1e9;
        first.rssMb = ServiceProcesses.rssMb(agent.pid());
        recordDeployments(ids, requestedAt, first);
        if (!deployed) {
            problem(first.unserved + " of the storm's " + STORM_JOBS + " jobs did not serve within " + DEPLOY_WITHIN.toSeconds()
                    + " s");
            stopAndConfirm(ids);
            return 0;
        }
        // Settled before the push: every report sent, the build slots free.
        Thread.sleep(DRAIN.plusSeconds(2).toMillis());
        int failedBefore = ids.stream().mapToInt(id -> events.of(id, AppFailed.class).size()).sum();

        String commit = git.commit(repository, Map.of("index.html", "storm 2"), "storm 2");
        Instant pushed = Instant.now();
        cpuBefore = ServiceProcesses.cpuMillis(agent.pid());
        wallStart = System.nanoTime();
        announcePush(url);
        awaitUntil(DEPLOY_WITHIN.multipliedBy(2), () -> ids.stream().allMatch(id -> startedAt(id, commit).isPresent()));
        storm.cpuMillis += ServiceProcesses.cpuMillis(agent.pid()) - cpuBefore;
        storm.wallSeconds += (System.nanoTime() - wallStart) / 1e9;
        storm.rssMb = ServiceProcesses.rssMb(agent.pid());
        Instant last = pushed;
        for (String id : ids) {
            Optional<Instant> serving = startedAt(id, commit);
            if (serving.isEmpty()) {
                storm.unserved++;
                continue;
            }
            storm.latency.recordValue(micros(pushed, serving.get()));
            storm.served++;
            last = serving.get().isAfter(last) ? serving.get() : last;
        }
        storm.makespanSeconds += micros(pushed, last) / 1e6;
        if (storm.unserved > 0) {
            problem(storm.unserved + " of the storm's " + STORM_JOBS + " jobs did not serve the new commit within "
                    + DEPLOY_WITHIN.multipliedBy(2).toSeconds() + " s");
        }
        // Long enough for a second start of the commit to show, and for the old versions to be gone.
        Thread.sleep(DRAIN.plusSeconds(5).toMillis());
        storm.failedStarts = ids.stream().mapToInt(id -> events.of(id, AppFailed.class).size()).sum() - failedBefore;
        int onTheNewCommit = 0;
        for (String id : ids) {
            onTheNewCommit += checkEndedOn(id, commit, "storm 2") ? 1 : 0;
        }
        stopAndConfirm(ids);
        return onTheNewCommit;
    }

    /**
     * Whether the job built and started {@code commit} exactly once, serves it still (its last AppStarted, and its page
     * reads {@code content}) and keeps one container, running that commit; a problem is recorded when not.
     */
    boolean checkEndedOn(String jobId, String commit, String content) throws Exception {
        List<Seen<AppStarted>> started = events.of(jobId, AppStarted.class);
        long starts = started.stream().filter(s -> commit.equals(s.payload().commit())).count();
        long builds = events.of(jobId, BuildStarted.class).stream().filter(s -> commit.equals(s.payload().commit())).count();
        if (starts != 1 || builds != 1) {
            problem("job " + jobId + " built commit " + commit + " " + builds + " times and started it " + starts + " times");
            return false;
        }
        AppStarted last = started.get(started.size() - 1).payload();
        if (!commit.equals(last.commit())) {
            problem("job " + jobId + " last started " + last.commit() + ", not the new commit " + commit);
            return false;
        }
        String page = body(last.port());
        if (!content.equals(page)) {
            problem("job " + jobId + " answers '" + page + "' where the new commit has '" + content + "'");
            return false;
        }
        List<Container> containers = docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(ContainerRuntime.JOB_LABEL, jobId, ContainerRuntime.NODE_LABEL, NODE)).exec();
        if (containers.size() != 1 || !"running".equals(containers.get(0).getState())
                || !commit.equals(containers.get(0).getLabels().get(ContainerRuntime.VERSION_LABEL))) {
            problem("job " + jobId + " has " + containers.size() + " containers where one, running " + commit + ", should be left");
            return false;
        }
        return true;
    }

    /** The push of a branch as a forge announces it, signed with the node's webhook secret. */
    void announcePush(String repositoryUrl) throws Exception {
        String body = "{\"ref\":\"refs/heads/main\",\"repository\":{\"clone_url\":\"" + repositoryUrl + "\"}}";
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(agentUrl("/api/webhooks/git")))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .header("X-Hub-Signature-256", signature(body)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 202 || !EventCodec.mapper().readTree(answer.body()).path("watched").asBoolean()) {
            throw new IllegalStateException("the agent did not take the push of " + repositoryUrl + ": " + answer.statusCode() + " "
                    + answer.body());
        }
    }

    static String signature(String body) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    void stormRow(String what, Tally tally) {
        System.out.printf("bench: | %s | %d | %s | %s | %s | %s | %.2f | %s | %s | %d | %d |%n", what, tally.served,
                ms(tally.latency, 50), ms(tally.latency, 99), ms(tally.latency, 99.9), maxMs(tally.latency), tally.perSecond(),
                tally.cores(), tally.cpuPerDeployment(), tally.rssMb, tally.failedStarts);
    }

    // --- jobs, the agent and what is left -----------------------------------------------------------------------------

    static JobSpec car() {
        return new JobSpec(JobKind.CAR, "bench", IMAGE, null, List.of(APP_COMMAND), Map.of(), List.of(), PORT, RESOURCES, "always",
                HTTP_CHECK, List.of(NODE), 1, List.of(), 30, List.of(), List.of(), null, null);
    }

    static JobSpec war(String repositoryUrl) {
        return new JobSpec(JobKind.WAR, "bench", IMAGE, new VcsSource(repositoryUrl, "main", null, null, 3600),
                List.of("true", APP_COMMAND), Map.of(), List.of(), PORT, RESOURCES, "always", HTTP_CHECK, List.of(NODE), 1, List.of(),
                30, List.of(), List.of(), null, null);
    }

    static List<String> newIds(int count) {
        return IntStream.range(0, count).mapToObj(i -> JobIds.newId()).toList();
    }

    void request(String jobId, JobSpec spec) {
        kafka.publish(Event.of(new JobRequested(jobId, PROJECT, OPERATOR, spec)));
    }

    /**
     * Stops the jobs as their owner would, waits for each stop to be confirmed (JobStopped) and checks that nothing of
     * them is left in the engine; returns the seconds from the first stop asked to the last confirmed.
     */
    double stopAndConfirm(List<String> ids) throws Exception {
        Instant asked = Instant.now();
        for (String id : ids) {
            kafka.publish(Event.of(new JobStopRequested(id, "load bench")));
        }
        if (!awaitUntil(STOP_WITHIN, () -> ids.stream().allMatch(id -> !events.of(id, JobStopped.class).isEmpty()))) {
            problem(ids.stream().filter(id -> events.of(id, JobStopped.class).isEmpty()).count() + " of " + ids.size()
                    + " stops were not confirmed within " + STOP_WITHIN.toSeconds() + " s");
        }
        Instant last = asked;
        for (String id : ids) {
            for (Seen<JobStopped> stopped : events.of(id, JobStopped.class)) {
                last = stopped.time().isAfter(last) ? stopped.time() : last;
            }
        }
        long left = docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerRuntime.NODE_LABEL, NODE)).exec()
                .stream().filter(c -> ids.contains(c.getLabels().get(ContainerRuntime.JOB_LABEL))).count();
        if (left > 0) {
            problem(left + " containers of " + ids.size() + " stopped jobs are left in the engine");
        }
        return micros(asked, last) / 1e6;
    }

    Process launchAgent(String gatewayUrl, Path workDir) throws IOException {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: the bench runs the packaged builder-svc (bench/load.sh builder-svc"
                    + " packages it)");
        }
        ProcessBuilder builder = new ProcessBuilder("java", "-Xms64m", "-Xmx256m", "-jar", jar.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(AGENT_LOG.toFile()));
        Map<String, String> env = builder.environment();
        // The agent has no database and no Kafka: none of the test instance's credentials go to it.
        env.keySet().removeIf(variable -> variable.matches("DEEPLOY_(PG|KAFKA)_.*|DEEPLOY_REGISTRY_(USER|PASSWORD)"));
        env.put("DEEPLOY_HTTP_PORT", String.valueOf(agentPort));
        env.put("DEEPLOY_NODE_ID", NODE);
        env.put("DEEPLOY_NODE_WORK_DIR", workDir.toString());
        env.put("DEEPLOY_NODE_GATEWAY_URL", gatewayUrl);
        // Room for every job of the ramp: the engine's limits hold each container, the machine is what is measured.
        env.put("DEEPLOY_NODE_CPU_MILLIS", "64000");
        env.put("DEEPLOY_NODE_MEMORY_MB", "65536");
        env.put("DEEPLOY_NODE_WEBHOOK_SECRET", WEBHOOK_SECRET);
        env.put("DEEPLOY_NODE_ALLOWED_TARGET_RANGES", "127.0.0.1/32");
        env.put("DEEPLOY_NODE_DRAIN_DELAY", DRAIN.toSeconds() + "s");
        // The test platform's scheduler declares a node lost after 10 s without a heartbeat: beat well within that under load.
        env.put("DEEPLOY_NODE_HEARTBEAT_INTERVAL", "1s");
        return builder.start();
    }

    String agentUrl(String path) {
        return "http://127.0.0.1:" + agentPort + path;
    }

    /** Until the scheduler lists the bench's node READY (registered, and heard through its signed heartbeats). */
    void awaitNodeReady() throws Exception {
        HttpRequest node = HttpRequest.newBuilder(URI.create(schedulerUrl + "/api/nodes/" + NODE)).timeout(Duration.ofSeconds(5))
                .build();
        boolean ready = awaitUntil(Duration.ofSeconds(90), () -> {
            try {
                HttpResponse<String> answer = http.send(node, HttpResponse.BodyHandlers.ofString());
                return answer.statusCode() == 200
                        && "READY".equals(EventCodec.mapper().readTree(answer.body()).path("state").asText());
            } catch (IOException notYet) {
                return false;
            }
        });
        if (!ready) {
            throw new IllegalStateException("node " + NODE + " not READY at the scheduler within 90 s; see " + AGENT_LOG);
        }
    }

    /** No container, job network or volume of the bench's node or of the reference left, and no allocation on the agent. */
    void checkNothingLeft() throws Exception {
        int containers = docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerRuntime.NODE_LABEL, NODE))
                .exec().size();
        int references = docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(REFERENCE_LABEL, RUN)).exec().size();
        int networks = docker.listNetworksCmd().withFilter("label", List.of(ContainerRuntime.NODE_LABEL + "=" + NODE)).exec().size();
        var volumes = docker.listVolumesCmd().withFilter("label", List.of(ContainerRuntime.NODE_LABEL + "=" + NODE)).exec()
                .getVolumes();
        int volumeCount = volumes == null ? 0 : volumes.size();
        HttpResponse<String> node = http.send(HttpRequest.newBuilder(URI.create(agentUrl("/api/node"))).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
        int allocations = EventCodec.mapper().readTree(node.body()).path("allocations").size();
        System.out.printf("bench: left behind: %d containers of the node, %d of the reference, %d job networks, %d volumes;"
                + " the agent holds %d allocations to run%n", containers, references, networks, volumeCount, allocations);
        if (containers + references + networks + volumeCount + allocations > 0) {
            problem("something of the bench was left (see the line above)");
        }
    }

    /** What an earlier, interrupted run may have left, and this run's reference containers. */
    void removeLeftovers() {
        ServiceProcesses.removeNodeLeftovers(NODE);
        for (Container container : docker.listContainersCmd().withShowAll(true).withLabelFilter(List.of(REFERENCE_LABEL)).exec()) {
            removeQuietly(container.getId());
        }
    }

    void removeQuietly(String containerId) {
        try {
            docker.removeContainerCmd(containerId).withForce(true).exec();
        } catch (NotFoundException gone) {
            // already removed
        }
    }

    void problem(String what) {
        System.out.println("bench: check failed: " + what);
        problems.add(what);
    }

    // --- measuring ----------------------------------------------------------------------------------------------------

    /** The status of GET / on a port of this machine; -1 while nothing answers there. */
    int status(int port) throws InterruptedException {
        try {
            return http.send(page(port, Duration.ofSeconds(2)), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException notYet) {
            return -1;
        }
    }

    String body(int port) throws InterruptedException {
        try {
            return http.send(page(port, Duration.ofSeconds(5)), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "(no answer: " + e.getMessage() + ")";
        }
    }

    static HttpRequest page(int port, Duration timeout) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(timeout).build();
    }

    Optional<Instant> startedAt(String jobId, String commit) {
        return events.of(jobId, AppStarted.class).stream().filter(s -> commit.equals(s.payload().commit())).map(Seen::time)
                .findFirst();
    }

    /** A check that may throw. */
    @FunctionalInterface
    interface Condition {
        boolean met() throws Exception;
    }

    /** Waits until {@code condition} holds, looking every 100 ms; false if it still does not after {@code within}. */
    static boolean awaitUntil(Duration within, Condition condition) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.met()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    static long micros(Instant from, Instant to) {
        return Math.max(0, Duration.between(from, to).toNanos() / 1_000);
    }

    static Histogram histogram() {
        return new Histogram(TimeUnit.MINUTES.toMicros(30), 3);
    }

    static String ms(Histogram histogram, double percentile) {
        return histogram.getTotalCount() == 0 ? "—" : String.format("%.0f", histogram.getValueAtPercentile(percentile) / 1e3);
    }

    static String maxMs(Histogram histogram) {
        return histogram.getTotalCount() == 0 ? "—" : String.format("%.0f", histogram.getMaxValue() / 1e3);
    }

    static long peakRssMb(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")).stream().filter(line -> line.startsWith("VmHWM:"))
                .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024).findFirst().orElse(-1L);
    }

    static String loadAverage() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return fields[0] + " / " + fields[1] + " / " + fields[2];
    }

    static DockerClient dockerClient() {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock")).build();
        return DockerClientImpl.getInstance(config, new ZerodepDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .connectionTimeout(Duration.ofSeconds(5)).responseTimeout(Duration.ofMinutes(2)).maxConnections(100).build());
    }

    static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            System.err.println("load bench: closing " + closeable + ": " + e);
        }
    }

    /** What the rounds of one step (or one scenario) measured; latencies in microseconds. */
    static final class Tally {
        final Histogram latency = histogram();
        /** Request → allocation (the scheduler's hop), for the agent's deployments. */
        final Histogram hop = histogram();
        int rounds;
        long served;
        int unserved;
        int failedStarts;
        int placedAgain;
        /** Summed over the rounds: from the first allocation (or start) to the last deployment serving. */
        double makespanSeconds;
        double stopSeconds;
        long cpuMillis;
        double wallSeconds;
        long rssMb = -1;

        double perSecond() {
            return makespanSeconds > 0 ? served / makespanSeconds : 0;
        }

        String cores() {
            return wallSeconds > 0 ? String.format("%.2f cores", cpuMillis / 1e3 / wallSeconds) : "—";
        }

        String cpuPerDeployment() {
            return served > 0 ? String.valueOf(cpuMillis / served) : "—";
        }
    }

    /** An event of a job as the platform published it: when it happened, and what. */
    record Seen<T>(Instant time, T payload) {
    }

    /** The job events topic, read from its end when the bench starts, by a thread of its own, kept per job. */
    static final class JobEvents implements AutoCloseable {

        private final KafkaConsumer<String, String> consumer;
        private final Map<String, List<Event<?>>> byJob = new ConcurrentHashMap<>();
        private final Thread reader;
        private volatile boolean open = true;

        JobEvents() {
            Properties props = TestInfra.kafkaAdminClient();
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.JOB_EVENTS, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(Topics.JOB_EVENTS, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            reader = new Thread(this::read, "deploy-load-bench-events");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try {
                while (open) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                        if (record.key() == null) {
                            continue;
                        }
                        try {
                            Event<?> event = EventCodec.decode(record.value());
                            byJob.computeIfAbsent(record.key(), key -> new CopyOnWriteArrayList<>()).add(event);
                        } catch (RuntimeException notOurs) {
                            // an event type this build does not know: not one the bench waits for
                        }
                    }
                }
            } catch (WakeupException closing) {
                // close() asked
            } catch (RuntimeException e) {
                System.err.println("load bench: reading " + Topics.JOB_EVENTS + " stopped: " + e);
            } finally {
                consumer.close();
            }
        }

        /** The job's events of one type so far, in the order the topic holds them. */
        <T> List<Seen<T>> of(String jobId, Class<T> type) {
            return byJob.getOrDefault(jobId, List.of()).stream().filter(event -> type.isInstance(event.payload()))
                    .<Seen<T>>map(event -> new Seen<>(event.time(), type.cast(event.payload()))).toList();
        }

        @Override
        public void close() throws InterruptedException {
            open = false;
            consumer.wakeup();
            reader.join(10_000);
        }
    }
}
