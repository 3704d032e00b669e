package io.deeploy.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Another machine on this one, for an edge node that is not the platform's: a network namespace joined to this host
 * by a veth pair (a /30 of 10.213.0.0/16 chosen at random per run), with a Docker engine of its own inside, so the node
 * publishes its apps on its own address and reaches the platform only at the host end's address, never its loopback.
 * Everything is created by the test and removed, by name and pid, when it closes, also after a failure.
 */
final class NamespaceHost implements AutoCloseable {

    final String name;
    final String hostAddress;
    final String nodeAddress;
    final Path dir;
    private final String hostLink;
    private Process dockerd;

    private NamespaceHost(String name, String hostAddress, String nodeAddress, Path dir) {
        this.name = name;
        this.hostAddress = hostAddress;
        this.nodeAddress = nodeAddress;
        this.dir = dir;
        this.hostLink = name + "h";
    }

    static NamespaceHost create() throws Exception {
        SecureRandom random = new SecureRandom();
        String name = "dpl" + Integer.toHexString(0x100000 + random.nextInt(0xEFFFFF));
        int block = random.nextInt(256 * 64) * 4;
        String prefix = "10.213." + block / 256 + ".";
        // Short: dockerd's unix sockets live under it, and a socket path holds at most 108 bytes.
        Path dir = Files.createTempDirectory(Path.of("/tmp"), name);
        // Searchable by others: the engine remaps user namespaces as a node's must, and its remapped root reaches its
        // data root (dir/data/<uid>.<gid>) through this directory.
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        NamespaceHost host = new NamespaceHost(name, prefix + (block % 256 + 1), prefix + (block % 256 + 2), dir);
        try {
            host.sh("ip", "netns", "add", name);
            host.sh("ip", "link", "add", host.hostLink, "type", "veth", "peer", "name", name + "n");
            host.sh("ip", "link", "set", name + "n", "netns", name);
            host.sh("ip", "addr", "add", host.hostAddress + "/30", "dev", host.hostLink);
            host.sh("ip", "link", "set", host.hostLink, "up");
            host.sh("ip", "netns", "exec", name, "ip", "addr", "add", host.nodeAddress + "/30", "dev", name + "n");
            host.sh("ip", "netns", "exec", name, "ip", "link", "set", name + "n", "up");
            host.sh("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up");
            host.startDocker();
        } catch (Exception e) {
            host.close();
            throw e;
        }
        return host;
    }

    String dockerHost() {
        return "unix://" + dir.resolve("docker.sock");
    }

    /**
     * Its own engine, inside the namespace (entered for the network only, so that it sees the host's cgroups), publishing
     * ports on the namespace's address; iptables untouched and user namespaces remapped, as the platform's engine.
     */
    private void startDocker() throws Exception {
        dockerd = new ProcessBuilder("nsenter", "--net=/var/run/netns/" + name, "dockerd", "--data-root", dir.resolve("data").toString(),
                "--exec-root", dir.resolve("exec").toString(), "--pidfile", dir.resolve("dockerd.pid").toString(),
                "-H", dockerHost(), "--userns-remap=default", "--ip", nodeAddress, "--iptables=false", "--ip-forward=false", "--ip-masq=false",
                "--bip", "172.31." + (Integer.parseInt(nodeAddress.split("\\.")[2]) % 250) + ".1/24")
                .redirectErrorStream(true).redirectOutput(dir.resolve("dockerd.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!dockerd.isAlive()) {
                throw new IllegalStateException("the namespace's dockerd exited: " + Files.readString(dir.resolve("dockerd.log")));
            }
            if (docker("version").exitValue() == 0) {
                return;
            }
            Thread.sleep(300);
        }
        throw new IllegalStateException("the namespace's dockerd did not answer within 60 s");
    }

    /** Copies an image of the platform's engine into the namespace's, as a node would pull it. */
    void loadImage(String image) throws Exception {
        Process save = new ProcessBuilder("docker", "save", image).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        ProcessBuilder loadBuilder = new ProcessBuilder("docker", "load").redirectErrorStream(true);
        loadBuilder.environment().put("DOCKER_HOST", dockerHost());
        Process load = loadBuilder.start();
        save.getInputStream().transferTo(load.getOutputStream());
        load.getOutputStream().close();
        String output = new String(load.getInputStream().readAllBytes());
        if (save.waitFor() != 0 || load.waitFor() != 0) {
            throw new IllegalStateException("loading " + image + " into the namespace's engine failed: " + output);
        }
    }

    /** A docker CLI call against the namespace's engine, finished. */
    Process docker(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("DOCKER_HOST", dockerHost());
        Process process = builder.start();
        process.getInputStream().readAllBytes();
        process.waitFor(60, TimeUnit.SECONDS);
        return process;
    }

    /** The containers of a job on the namespace's engine. */
    String containersOf(String jobId) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("docker", "ps", "-aq", "--filter", "label=deeploy.job=" + jobId)
                .redirectErrorStream(true);
        builder.environment().put("DOCKER_HOST", dockerHost());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes()).strip();
        process.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    /** Runs a command inside the namespace with {@code env} added; returns its exit code and output. */
    Result exec(Map<String, String> env, String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return new Result(process.exitValue(), output);
    }

    record Result(int exitCode, String output) {
    }

    private void sh(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }

    private void quietly(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            process.waitFor(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            // cleaning up as much as can be
        }
    }

    /** Removes what it made: the engine's containers, the engine (by its pid), its files, the link and the namespace. */
    @Override
    public void close() {
        if (dockerd != null && dockerd.isAlive()) {
            try {
                ProcessBuilder list = new ProcessBuilder("docker", "ps", "-aq").redirectErrorStream(true);
                list.environment().put("DOCKER_HOST", dockerHost());
                Process listed = list.start();
                String ids = new String(listed.getInputStream().readAllBytes()).strip();
                listed.waitFor(30, TimeUnit.SECONDS);
                if (!ids.isEmpty()) {
                    List<String> remove = new ArrayList<>(List.of("rm", "-f"));
                    remove.addAll(List.of(ids.split("\\s+")));
                    docker(remove.toArray(String[]::new));
                }
            } catch (Exception e) {
                // the engine is stopped below either way
            }
            dockerd.destroy();
            try {
                if (!dockerd.waitFor(30, TimeUnit.SECONDS)) {
                    dockerd.destroyForcibly();
                    dockerd.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Mounts the engine left under its directory (overlays, the netns file) go before the files.
        try (Stream<String> mounts = Files.lines(Path.of("/proc/self/mounts"))) {
            mounts.map(line -> line.split(" ")[1]).filter(mount -> mount.startsWith(dir.toString()))
                    .sorted(Comparator.reverseOrder()).forEach(mount -> quietly("umount", "-l", mount));
        } catch (IOException e) {
            // nothing mounted
        }
        quietly("rm", "-rf", dir.toString());
        quietly("ip", "link", "del", hostLink);
        quietly("ip", "netns", "del", name);
    }
}
