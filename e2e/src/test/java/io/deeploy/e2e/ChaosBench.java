package io.deeploy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.outbox.testing.GitDaemon;
import io.deeploy.outbox.testing.KafkaEvents;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Fault campaign (not part of the test run; {@code bench/chaos.sh}, figures in bench/README.md). The platform has two
 * edge nodes (two agents on this machine). Each run drives a CAR job and a WAR job through create, serve, edit (a new
 * file volume), redeploy (a pushed commit), failover (the CAR's node's agent killed and kept down until the CAR serves
 * from the other node, then started again) and stop, while one part of the platform is killed with SIGKILL at a random
 * moment and started again one to five seconds later: a service or the ingress (its process), or Kafka, PostgreSQL or
 * the Docker engine ({@code infra/infra.sh crash}, then {@code up}). Calls that fail meanwhile are retried with the same
 * idempotency key, as a client would. A run has converged when, within five minutes of the part's return and the stops:
 * both jobs are STOPPED, no container of theirs is left on either node, the ingress answers 404 for both, the project
 * holds exactly the two jobs, and each job was requested once and its stop confirmed once per node it ran on (events
 * counted by id).
 * Prints a table and writes target/chaos.md; fails if a run did not converge.
 *
 * <p>Settings: {@code -Dchaos.parts} (comma-separated, default all nine), {@code -Dchaos.runs} (per part, default 20),
 * {@code -Dchaos.seed}, {@code -Dchaos.kill-window-ms} (the kill's moment after the run starts, default 40000).
 */
class ChaosBench {

    static final List<String> SERVICE_PARTS = List.of("project-svc", "scheduler-svc", "builder-svc", "escrow-svc",
            "tunnel-svc", Platform.INGRESS);
    static final List<String> INFRA_PARTS = List.of("kafka", "postgres", "docker", "anvil", "registry");
    static final List<String> DEFAULT_PARTS = List.of("project-svc", "scheduler-svc", "builder-svc", "escrow-svc",
            "tunnel-svc", Platform.INGRESS, "kafka", "postgres", "docker");
    static final Duration CONVERGE_WITHIN = Duration.ofMinutes(5);

    record Run(String part, int number, boolean converged, long convergeMillis, String failure) {
    }

    /**
     * The two edge nodes and their agents' process names. A kill of an agent by the fault and the failover's kill are
     * taken one after the other ({@link #agentsLock}), so neither starts again an agent the other keeps down.
     */
    record Nodes(List<String> ids, Map<String, String> agents) {
    }

    private final Object agentsLock = new Object();

    @Test
    void campaign() throws Exception {
        String partsSetting = System.getProperty("chaos.parts", "");
        List<String> parts = partsSetting.isBlank() ? DEFAULT_PARTS
                : Arrays.stream(partsSetting.split(",")).map(String::strip).filter(p -> !p.isEmpty()).toList();
        for (String part : parts) {
            assertThat(SERVICE_PARTS.contains(part) || INFRA_PARTS.contains(part)).as("known part " + part).isTrue();
        }
        int runs = Integer.getInteger("chaos.runs", 20);
        long seed = Long.getLong("chaos.seed", System.nanoTime());
        long window = Long.getLong("chaos.kill-window-ms", 40_000);
        Random random = new Random(seed);
        List<Run> results = new ArrayList<>();
        try (GitDaemon git = GitDaemon.start();
                Platform platform = Platform.start("chaos-node-" + UUID.randomUUID().toString().substring(0, 6));
                KafkaEvents kafka = KafkaEvents.fromEnvironment()) {
            String spare = "chaos-spare-" + UUID.randomUUID().toString().substring(0, 6);
            Nodes nodes = new Nodes(List.of(platform.nodeId, spare),
                    Map.of(platform.nodeId, "builder-svc", spare, platform.startAgent(spare)));
            for (String part : parts) {
                for (int number = 1; number <= runs; number++) {
                    Run run = run(platform, nodes, git, kafka, part, number, random, window);
                    results.add(run);
                    System.out.printf("chaos: %s run %d: %s in %d ms%s%n", part, number,
                            run.converged() ? "converged" : "NOT converged", run.convergeMillis(),
                            run.failure() == null ? "" : " (" + run.failure() + ")");
                }
            }
        }
        String table = table(results, parts, seed, window);
        System.out.println(table);
        Files.writeString(Path.of("target", "chaos.md"), table);
        assertThat(results).filteredOn(run -> !run.converged()).as("runs that did not converge").isEmpty();
    }

    private Run run(Platform platform, Nodes nodes, GitDaemon git, KafkaEvents kafka, String part, int number, Random random,
            long window) {
        long killAfter = (long) (random.nextDouble() * window);
        long downFor = 1000 + random.nextInt(4000);
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        String carAlias = "cc" + suffix;
        String warAlias = "cw" + suffix;
        long started = System.nanoTime();
        AtomicLong partBack = new AtomicLong();
        AtomicReference<Throwable> faultFailure = new AtomicReference<>();
        Thread fault = new Thread(() -> {
            try {
                Thread.sleep(killAfter);
                if (part.equals("builder-svc")) {
                    synchronized (agentsLock) {
                        crash(platform, part);
                        Thread.sleep(downFor);
                        restart(platform, part);
                    }
                } else {
                    crash(platform, part);
                    Thread.sleep(downFor);
                    restart(platform, part);
                }
                partBack.set(System.nanoTime());
            } catch (Throwable e) {
                faultFailure.set(e);
            }
        }, "chaos-" + part);
        fault.start();
        String car = null;
        String war = null;
        String projectId = null;
        try {
            long deadline = System.nanoTime() + Duration.ofMillis(window).plus(CONVERGE_WITHIN).plusMinutes(5).toNanos();
            projectId = id(call(platform, "POST", "/api/projects", "{\"name\":\"chaos-" + suffix + "\"}", deadline));
            String repo = "chaos" + suffix;
            String repoUrl = git.createRepository(repo, Map.of("index.html", "war v1"));
            car = id(call(platform, "POST", "/api/projects/" + projectId + "/jobs",
                    onAnyNode(platform.pythonFileJob(carAlias, "car v1")), deadline));
            war = id(call(platform, "POST", "/api/projects/" + projectId + "/jobs",
                    onAnyNode(platform.pythonSiteJob(warAlias, repoUrl, "true")), deadline));
            awaitServed(platform, carAlias, "car v1", deadline);
            awaitServed(platform, warAlias, "war v1", deadline);

            call(platform, "PATCH", "/api/jobs/" + car, "{\"fileVolumes\":[{\"name\":\"index\",\"mountPath\":"
                    + "\"/site/index.html\",\"content\":\"car v2\"}]}", deadline);
            git.commit(repo, Map.of("index.html", "war v2"), "v2");
            awaitServed(platform, carAlias, "car v2", deadline);
            awaitServed(platform, warAlias, "war v2", deadline);

            failover(platform, nodes, car, List.of(carAlias, warAlias), deadline);

            call(platform, "POST", "/api/jobs/" + car + "/stop", "", deadline);
            call(platform, "POST", "/api/jobs/" + war + "/stop", "", deadline);
            long stopped = System.nanoTime();
            fault.join();
            if (faultFailure.get() != null) {
                return new Run(part, number, false, 0, "the fault itself failed: " + faultFailure.get());
            }
            long from = Math.max(stopped, partBack.get());
            String pending = converged(platform, nodes, kafka, projectId, List.of(car, war), List.of(carAlias, warAlias),
                    from + CONVERGE_WITHIN.toNanos());
            long millis = (System.nanoTime() - from) / 1_000_000;
            return new Run(part, number, pending == null, millis, pending);
        } catch (Throwable e) {
            return new Run(part, number, false, (System.nanoTime() - started) / 1_000_000, e.toString());
        } finally {
            try {
                fault.join();
                // A run that did not converge must not leave its jobs to the next: stopped, best effort.
                for (String job : Arrays.asList(car, war)) {
                    if (job != null) {
                        platform.apiPost("/api/jobs/" + job + "/stop", "", null);
                    }
                }
            } catch (Exception ignored) {
                // the run's outcome is already recorded
            }
        }
    }

    /**
     * The CAR's node is lost: its agent is killed and kept down until the CAR runs on the other node and both apps serve
     * their v2 again (the WAR too, if it was on that node), then started again, to find that what it ran has moved.
     */
    private void failover(Platform platform, Nodes nodes, String car, List<String> aliases, long deadline) throws Exception {
        synchronized (agentsLock) {
            // The node it runs on, once the API says (it may be restarting, or the job between two placements).
            String lost = awaitJob(platform, car, deadline, "a node", job -> "RUNNING".equals(job.path("state").asText())
                    && job.path("nodes").size() == 1).path("nodes").path(0).asText();
            String agent = nodes.agents().get(lost);
            if (agent == null) {
                throw new IllegalStateException("the CAR is on no known node: " + lost);
            }
            platform.kill(agent);
            try {
                awaitJob(platform, car, deadline, "moved off " + lost, job -> "RUNNING".equals(job.path("state").asText())
                        && job.path("nodes").size() == 1 && !job.path("nodes").path(0).asText().equals(lost));
                awaitServed(platform, aliases.get(0), "car v2", deadline);
                awaitServed(platform, aliases.get(1), "war v2", deadline);
            } finally {
                platform.relaunch(agent);
            }
        }
    }

    /** The job once {@code holds} holds of it, read through the API, which may be down meanwhile. */
    private static JsonNode awaitJob(Platform platform, String jobId, long deadline, String what,
            Predicate<JsonNode> holds) throws Exception {
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> read = platform.apiGet("/api/jobs/" + jobId);
                last = read.statusCode() + " " + read.body();
                if (read.statusCode() == 200 && holds.test(json(read))) {
                    return json(read);
                }
            } catch (IOException unreachable) {
                last = unreachable.toString();
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(jobId + " never " + what + " (last: " + last + ")");
    }

    /** The first condition that still does not hold at {@code deadline}, or null once all hold. */
    private String converged(Platform platform, Nodes nodes, KafkaEvents kafka, String projectId, List<String> jobs,
            List<String> aliases, long deadline) throws Exception {
        String pending = "not checked";
        while (System.nanoTime() < deadline) {
            pending = pending(platform, nodes, kafka, projectId, jobs, aliases);
            if (pending == null) {
                return null;
            }
            Thread.sleep(500);
        }
        return pending;
    }

    private String pending(Platform platform, Nodes nodes, KafkaEvents kafka, String projectId, List<String> jobs,
            List<String> aliases) throws Exception {
        for (int i = 0; i < jobs.size(); i++) {
            String job = jobs.get(i);
            HttpResponse<String> read = platform.apiGet("/api/jobs/" + job);
            String state = read.statusCode() == 200 ? json(read).path("state").asText() : "HTTP " + read.statusCode();
            if (!state.equals("STOPPED")) {
                return job + " is " + state;
            }
            for (String node : nodes.ids()) {
                if (!WorkerAppRunnerE2EIT.containersOf(job, node).isEmpty()) {
                    return job + " still has a container on node " + node;
                }
            }
            String served = platform.serve(platform.appUrl(aliases.get(i)));
            if (!served.equals("HTTP 404")) {
                return aliases.get(i) + " is still served (" + served + ")";
            }
        }
        HttpResponse<String> listed = platform.apiGet("/api/projects/" + projectId + "/jobs");
        if (listed.statusCode() != 200) {
            return "the project's jobs: HTTP " + listed.statusCode();
        }
        JsonNode page = json(listed);
        JsonNode items = page.isArray() ? page : page.path("items");
        if (items.size() != jobs.size()) {
            return "the project holds " + items.size() + " jobs, not " + jobs.size();
        }
        for (String job : jobs) {
            long requested = distinctIds(kafka.eventsWithKey(Topics.JOB_COMMANDS, job), JobRequested.class);
            if (requested != 1) {
                return job + " was requested " + requested + " times";
            }
            // JobStopped is per node: the node the job left in the failover (announced by the scheduler when the node
            // was lost) and the node it ran on at the end; each once.
            Map<String, Long> stopsPerNode = kafka.eventsWithKey(Topics.JOB_EVENTS, job).stream()
                    .filter(event -> event.payload() instanceof JobStopped).collect(Collectors.groupingBy(
                            event -> String.valueOf(((JobStopped) event.payload()).nodeId()),
                            Collectors.mapping(Event::id, Collectors.collectingAndThen(
                                    Collectors.toSet(), ids -> (long) ids.size()))));
            if (stopsPerNode.isEmpty() || stopsPerNode.values().stream().anyMatch(count -> count != 1)) {
                return job + "'s stops confirmed per node: " + stopsPerNode;
            }
        }
        return null;
    }

    private static long distinctIds(List<Event<?>> events, Class<?> type) {
        return events.stream().filter(event -> type.isInstance(event.payload())).map(Event::id).distinct().count();
    }

    private static void crash(Platform platform, String part) throws Exception {
        if (SERVICE_PARTS.contains(part)) {
            platform.kill(part);
        } else {
            infra("crash", part);
        }
    }

    private static void restart(Platform platform, String part) throws Exception {
        if (SERVICE_PARTS.contains(part)) {
            platform.relaunch(part);
        } else {
            infra("up", part);
        }
    }

    /** {@code infra/infra.sh <command> <part>} on the test instance, as an operator would run it. */
    private static void infra(String command, String part) throws Exception {
        Process process = new ProcessBuilder(Path.of("..", "infra", "infra.sh").toString(), command, part)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                        Path.of("target", "chaos-infra.log").toFile())).start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("infra/infra.sh " + command + " " + part + " failed (target/chaos-infra.log)");
        }
    }

    /**
     * A call of the API retried, with one idempotency key, on a refused connection or a 5xx until {@code deadline}, as a
     * client of a platform that is partly down would.
     */
    private static HttpResponse<String> call(Platform platform, String method, String path, String body, long deadline)
            throws Exception {
        String key = UUID.randomUUID().toString();
        return retry(deadline, method + " " + path, () -> {
            HttpResponse<String> response = platform.api(method, path, body, key);
            if (response.statusCode() >= 500) {
                throw new IOException("HTTP " + response.statusCode() + ": " + response.body());
            }
            if (response.statusCode() >= 400) {
                throw new IllegalStateException(method + " " + path + " refused: HTTP " + response.statusCode() + " "
                        + response.body());
            }
            return response;
        });
    }

    private static <T> T retry(long deadline, String what, Callable<T> attempt) throws Exception {
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                return attempt.call();
            } catch (IOException e) {
                last = e;
                Thread.sleep(500);
            }
        }
        throw new IllegalStateException(what + " still failing at the deadline: " + last, last);
    }

    private static void awaitServed(Platform platform, String alias, String content, long deadline) throws Exception {
        String last = "";
        while (System.nanoTime() < deadline) {
            last = platform.serve(platform.appUrl(alias));
            if (last.equals(content)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(alias + " never served \"" + content + "\" (last: " + last + ")");
    }

    /** The job on one node the scheduler picks (either of the two), so that it can move to the other. */
    private static String onAnyNode(String job) throws IOException {
        ObjectNode spec = (ObjectNode) EventCodec.mapper().readTree(job);
        spec.remove("targetNodes");
        spec.put("targetNodeCount", 1);
        return spec.toString();
    }

    private static String id(HttpResponse<String> response) throws IOException {
        return json(response).path("id").asText();
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return EventCodec.mapper().readTree(response.body());
    }

    /** Part killed, runs, converged, time to converge p50/p99 (from the later of the part's return and the stops). */
    static String table(List<Run> results, List<String> parts, long seed, long window) {
        StringBuilder out = new StringBuilder();
        out.append("Fault campaign: seed ").append(seed).append(", kill within ").append(window)
                .append(" ms of a run's start, part down 1-5 s; two nodes, each run with a failover\n\n");
        out.append("| part killed | runs | converged | converge p50 | converge p99 | failures |\n");
        out.append("|---|---|---|---|---|---|\n");
        for (String part : parts) {
            List<Run> ofPart = results.stream().filter(run -> run.part().equals(part)).toList();
            long[] times = ofPart.stream().filter(Run::converged).mapToLong(Run::convergeMillis).sorted().toArray();
            List<String> failures = ofPart.stream().filter(run -> !run.converged())
                    .map(run -> "run " + run.number() + ": " + run.failure()).toList();
            out.append("| ").append(part).append(" | ").append(ofPart.size()).append(" | ")
                    .append(ofPart.stream().filter(Run::converged).count()).append('/').append(ofPart.size())
                    .append(" | ").append(percentile(times, 50)).append(" | ").append(percentile(times, 99)).append(" | ")
                    .append(failures.isEmpty() ? "none" : String.join("; ", failures)).append(" |\n");
        }
        return out.toString();
    }

    private static String percentile(long[] sorted, int percent) {
        if (sorted.length == 0) {
            return "-";
        }
        int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return String.format("%.1f s", sorted[Math.max(0, index)] / 1000.0);
    }
}
