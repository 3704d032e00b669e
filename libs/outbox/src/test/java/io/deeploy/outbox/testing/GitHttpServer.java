package io.deeploy.outbox.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.transport.RefSpec;

/**
 * A real private git server on loopback for tests: git's own smart-HTTP backend ({@code git http-backend}, run as a CGI
 * per request) behind HTTP basic authentication. Repositories are created and committed to through the file system,
 * so only the code under test goes through the authenticated front door.
 */
public final class GitHttpServer implements AutoCloseable {

    private final Path root;
    private final HttpServer server;
    private final ExecutorService executor;
    private final String expectedAuthorization;
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger served = new AtomicInteger();

    private GitHttpServer(Path root, HttpServer server, ExecutorService executor, String expectedAuthorization) {
        this.root = root;
        this.server = server;
        this.executor = executor;
        this.expectedAuthorization = expectedAuthorization;
    }

    /** Serves the repositories created through this server to {@code username}:{@code password} only. */
    public static GitHttpServer start(String username, String password) throws IOException {
        Path root = Files.createTempDirectory("deeploy-git-http");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        ExecutorService executor = Executors.newFixedThreadPool(4);
        String expected = "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        GitHttpServer git = new GitHttpServer(root, server, executor, expected);
        server.createContext("/", git::handle);
        server.setExecutor(executor);
        server.start();
        return git;
    }

    /** Requests refused for missing or wrong credentials. */
    public int refusedRequests() {
        return refused.get();
    }

    /** Requests that reached git. */
    public int servedRequests() {
        return served.get();
    }

    /** Creates a bare repository whose branch {@code main} holds the given files; returns its http:// URL. */
    public String createRepository(String name, Map<String, String> files) throws Exception {
        Git.init().setBare(true).setInitialBranch("main").setDirectory(bare(name).toFile()).call().close();
        commit(name, files, "initial");
        return url(name);
    }

    /** Commits the files to {@code main} and pushes them straight into the bare repository; returns the commit id. */
    public String commit(String name, Map<String, String> files, String message) throws Exception {
        Path scratch = Files.createTempDirectory("deeploy-work");
        try (Git git = Git.cloneRepository().setURI(bare(name).toUri().toString()).setDirectory(scratch.toFile()).call()) {
            for (var file : files.entrySet()) {
                Files.writeString(scratch.resolve(file.getKey()), file.getValue(), StandardCharsets.UTF_8);
                git.add().addFilepattern(file.getKey()).call();
            }
            PersonIdent who = new PersonIdent("Deeploy test", "test@deeploy.local");
            String id = git.commit().setMessage(message).setAuthor(who).setCommitter(who).call().getName();
            git.push().setRemote("origin").setRefSpecs(new RefSpec("HEAD:refs/heads/main")).call();
            return id;
        }
    }

    public String url(String name) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + name + ".git";
    }

    private Path bare(String name) {
        return root.resolve(name + ".git");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization == null || !MessageDigest.isEqual(authorization.getBytes(StandardCharsets.UTF_8),
                    expectedAuthorization.getBytes(StandardCharsets.UTF_8))) {
                refused.incrementAndGet();
                exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"deeploy-test\"");
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            served.incrementAndGet();
            runBackend(exchange);
        }
    }

    /** One CGI invocation of git http-backend: request metadata in the environment, body on stdin, reply on stdout. */
    private void runBackend(HttpExchange exchange) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("git", "http-backend");
        Map<String, String> env = builder.environment();
        env.put("GIT_PROJECT_ROOT", root.toString());
        env.put("GIT_HTTP_EXPORT_ALL", "1");
        env.put("REQUEST_METHOD", exchange.getRequestMethod());
        env.put("PATH_INFO", exchange.getRequestURI().getRawPath());
        env.put("QUERY_STRING", exchange.getRequestURI().getRawQuery() == null ? "" : exchange.getRequestURI().getRawQuery());
        env.put("REMOTE_USER", "test");
        env.put("REMOTE_ADDR", "127.0.0.1");
        copyHeader(exchange, "Content-Type", env, "CONTENT_TYPE");
        copyHeader(exchange, "Content-Encoding", env, "HTTP_CONTENT_ENCODING");
        copyHeader(exchange, "Git-Protocol", env, "GIT_PROTOCOL");
        byte[] body = exchange.getRequestBody().readAllBytes();
        if (body.length > 0) {
            env.put("CONTENT_LENGTH", String.valueOf(body.length));
        }
        builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process process = builder.start();
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(body);
        }
        byte[] reply;
        try (InputStream stdout = process.getInputStream()) {
            reply = stdout.readAllBytes();
        }
        int headerEnd = indexOfBlankLine(reply);
        int status = 200;
        for (String line : new String(reply, 0, Math.max(headerEnd, 0), StandardCharsets.ISO_8859_1).split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Status")) {
                status = Integer.parseInt(value.split(" ")[0]);
            } else {
                exchange.getResponseHeaders().add(name, value);
            }
        }
        int bodyStart = headerEnd < 0 ? 0 : headerEnd + (reply[headerEnd] == '\r' ? 4 : 2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(reply, bodyStart, reply.length - bodyStart);
        exchange.sendResponseHeaders(status, out.size() == 0 ? -1 : out.size());
        if (out.size() > 0) {
            exchange.getResponseBody().write(out.toByteArray());
        }
    }

    private static void copyHeader(HttpExchange exchange, String header, Map<String, String> env, String variable) {
        String value = exchange.getRequestHeaders().getFirst(header);
        if (value != null) {
            env.put(variable, value);
        }
    }

    /** Index of the CRLFCRLF or LFLF that ends the CGI headers, or -1. */
    private static int indexOfBlankLine(byte[] data) {
        for (int i = 0; i + 1 < data.length; i++) {
            if (data[i] == '\n' && data[i + 1] == '\n') {
                return i;
            }
            if (i + 3 < data.length && data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' && data[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
