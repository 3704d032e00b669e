package io.deeploy.outbox.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * A real git server on loopback for tests: {@code git daemon} serving bare repositories over git://, and helpers that
 * push commits to them from a scratch clone.
 */
public final class GitDaemon implements AutoCloseable {

    private final Path root;
    private final Process process;
    private final String host;
    private final int port;

    private GitDaemon(Path root, Process process, String host, int port) {
        this.root = root;
        this.process = process;
        this.host = host;
        this.port = port;
    }

    public static GitDaemon start() throws IOException, InterruptedException {
        return start("127.0.0.1");
    }

    /** A daemon listening on {@code host}, a loopback address (the machine answers on all of 127.0.0.0/8). */
    public static GitDaemon start(String host) throws IOException, InterruptedException {
        Path root = Files.createTempDirectory("deeploy-git");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Process process = new ProcessBuilder("git", "daemon", "--listen=" + host, "--port=" + port, "--base-path=" + root,
                "--export-all", "--enable=receive-pack", "--reuseaddr", root.toString())
                .redirectErrorStream(true).redirectOutput(root.resolve("daemon.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket(host, port)) {
                return new GitDaemon(root, process, host, port);
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("git daemon did not start: " + Files.readString(root.resolve("daemon.log")));
    }

    /** Creates a bare repository whose branch {@code main} holds the given files; returns its git:// URL. */
    public String createRepository(String name, java.util.Map<String, String> files) throws Exception {
        Path bare = root.resolve(name + ".git");
        Git.init().setBare(true).setInitialBranch("main").setDirectory(bare.toFile()).call().close();
        commit(name, files, "initial");
        return url(name);
    }

    /** Commits the files to {@code main} and pushes; returns the new commit id. */
    public String commit(String name, java.util.Map<String, String> files, String message) throws Exception {
        Path scratch = Files.createTempDirectory("deeploy-work");
        try (Git git = Git.cloneRepository().setURI(url(name)).setDirectory(scratch.toFile()).call()) {
            for (var file : files.entrySet()) {
                Files.writeString(scratch.resolve(file.getKey()), file.getValue(), StandardCharsets.UTF_8);
                git.add().addFilepattern(file.getKey()).call();
            }
            PersonIdent who = new PersonIdent("Deeploy test", "test@deeploy.local");
            String id = git.commit().setMessage(message).setAuthor(who).setCommitter(who).call().getName();
            git.push().setRemote("origin").setRefSpecs(new org.eclipse.jgit.transport.RefSpec("HEAD:refs/heads/main")).call();
            return id;
        }
    }

    public String url(String name) {
        return "git://" + host + ":" + port + "/" + name + ".git";
    }

    @Override
    public void close() {
        process.destroy();
    }
}
