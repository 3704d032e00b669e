package io.deeploy.outbox.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Packaged services run by the tests as processes, as an operator runs them: a free port to give one, waiting until it
 * is ready, stopping it, and removing what a test node left in the test instance's engine.
 */
public final class ServiceProcesses {

    static final Duration READY_WITHIN = Duration.ofSeconds(90);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ServiceProcesses() {
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Waits until {@code readyUrl} answers 200; fails at once if the process exits, naming its log. */
    public static void awaitReady(String name, Process process, String readyUrl, Path log) throws InterruptedException {
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(readyUrl)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(300);
        }
        throw new IllegalStateException(name + " not ready within " + READY_WITHIN.toSeconds() + " s; see " + log);
    }

    /** The process's user and system CPU time so far, from /proc (clock ticks of 10 ms): for benchmarks. */
    public static long cpuMillis(long pid) throws IOException {
        String stat = java.nio.file.Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
    }

    /** The process's resident memory now, in MB (-1 if /proc does not say): for benchmarks. */
    public static long rssMb(long pid) throws IOException {
        return java.nio.file.Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")).stream()
                .filter(line -> line.startsWith("VmRSS:")).map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024)
                .findFirst().orElse(-1L);
    }

    /** SIGTERM, and SIGKILL if it has not ended 20 s later. */
    public static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Removes the containers and job networks of a test node from the engine ({@code DOCKER_HOST}). An agent that stops
     * leaves its apps serving (the data plane outlives it); a test node is gone for good, so they would pile up.
     */
    public static void removeNodeLeftovers(String node) {
        String label = "label=deeploy.node=" + node;
        try {
            removeAll(List.of("docker", "ps", "-aq", "--filter", label), List.of("docker", "rm", "-f"));
            removeAll(List.of("docker", "network", "ls", "-q", "--filter", label), List.of("docker", "network", "rm"));
        } catch (IOException e) {
            // no engine: nothing to clean
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void removeAll(List<String> list, List<String> remove) throws IOException, InterruptedException {
        Process listed = new ProcessBuilder(list).redirectErrorStream(true).start();
        String ids = new String(listed.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        listed.waitFor(30, TimeUnit.SECONDS);
        if (!ids.isEmpty()) {
            List<String> command = new ArrayList<>(remove);
            command.addAll(List.of(ids.split("\\s+")));
            new ProcessBuilder(command).redirectErrorStream(true).start().waitFor(60, TimeUnit.SECONDS);
        }
    }
}
