package io.deeploy.e2e;

import io.deeploy.outbox.testing.ServiceProcesses;
import io.deeploy.outbox.testing.TestInfra;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The five packaged services as separate processes on free loopback ports, wired to the test instance's Kafka,
 * PostgreSQL, Docker engine and anvil through the environment the test command exports, each platform service with its
 * own database role and Kafka principal, as {@code ./deeploy up} starts them. The agents reach the platform only through
 * the node gateway, and each is registered by this run's user (its operator) with the key it made.
 */
final class Platform implements AutoCloseable {

    /** The node's webhook secret (pushes signed with it redeploy at once); random per run, scanned for by LeakScanE2EIT. */
    static final String WEBHOOK_SECRET = LeakScan.secret("e2e-webhook-secret-" + java.util.UUID.randomUUID());
    /** The platform services present this to each other (the gateway to project-svc, for a job's secrets). */
    static final String INTERNAL_TOKEN = LeakScan.secret("e2e-internal-token-" + java.util.UUID.randomUUID());
    /** This run's installation audience, as ./deeploy up makes one per install. */
    static final String AUDIENCE = "deeploy-e2e-" + java.util.UUID.randomUUID();
    static final List<String> SERVICES = List.of("project-svc", "scheduler-svc", "builder-svc", "escrow-svc", "tunnel-svc");
    /** The ingress: a process of its own (tunnel-svc's jars), serving the routes file tunnel-svc writes. */
    static final String INGRESS = "ingress";

    final String nodeId;
    final int ingressPort;
    final int gatewayPort;
    /**
     * The addresses the node gateway listens on (comma-separated): loopback, and for a node on "another machine" the
     * host end of its namespace's link.
     */
    final String gatewayHost;
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Path logs;

    /** Added to every service's environment (a platform configured otherwise, e.g. billing in escrow mode). */
    private final Map<String, String> settings;
    /** Where the node's earnings go, as its operator registers it (null: to the operator, this run's user). */
    private final String payoutAddress;

    private Platform(String nodeId, Path logs, String gatewayHost, Map<String, String> settings,
            io.deeploy.signing.DeeployWallet user, String payoutAddress) throws IOException {
        this.nodeId = nodeId;
        this.logs = logs;
        this.gatewayHost = gatewayHost;
        this.settings = Map.copyOf(settings);
        this.user = user;
        this.payoutAddress = payoutAddress;
        this.ingressPort = ServiceProcesses.freePort();
        this.gatewayPort = ServiceProcesses.freePort();
        for (String service : SERVICES) {
            ports.put(service, ServiceProcesses.freePort());
        }
        ports.put(INGRESS, ingressPort);
    }

    static Platform start(String nodeId) throws Exception {
        return start(nodeId, "127.0.0.1");
    }

    private static Platform shared;
    /** Platforms of this JVM that are up: the first to start cleans the scheduler's slate, the others share it. */
    private static final java.util.concurrent.atomic.AtomicInteger LIVE = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * One platform for the test classes that need nothing special of it, started by the first and stopped when the test
     * JVM exits: each platform costs half a minute of start. Its tests leave its services running.
     */
    static synchronized Platform shared() throws Exception {
        if (shared == null) {
            shared = start("e2e-node-" + java.util.UUID.randomUUID().toString().substring(0, 8));
            Platform started = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close));
        }
        return shared;
    }

    static Platform start(String nodeId, String gatewayHost) throws Exception {
        return start(nodeId, gatewayHost, Map.of(), io.deeploy.signing.DeeployWallet.create(), null);
    }

    /** Stops the shared platform if it runs (a platform configured otherwise must not share Kafka groups with it). */
    static synchronized void stopShared() {
        if (shared != null) {
            shared.close();
            shared = null;
        }
    }

    /**
     * Escrow billing on the local chain with 20-second epochs, a settle window of one epoch, and the chain, the oracle and
     * the node's heartbeats polled every second or so, so that money moves within a test's minutes.
     */
    static Map<String, String> escrowBilling() {
        return Map.ofEntries(
                Map.entry("DEEPLOY_BILLING_MODE", "escrow"),
                Map.entry("DEEPLOY_CHAIN_EPOCH_LENGTH", "20s"),
                Map.entry("DEEPLOY_CHAIN_POLL_INTERVAL", "1s"),
                Map.entry("DEEPLOY_CHAIN_SETTLE_WINDOW_EPOCHS", "1"),
                Map.entry("DEEPLOY_CHAIN_REFUSED_RETRY", "5s"),
                Map.entry("DEEPLOY_CHAIN_REBROADCAST_AFTER", "5s"),
                Map.entry("DEEPLOY_ORACLE_HEARTBEAT_INTERVAL", "1s"),
                Map.entry("DEEPLOY_ORACLE_ATTEST_DELAY", "3s"),
                Map.entry("DEEPLOY_ORACLE_PROBE_INTERVAL", "2s"),
                Map.entry("DEEPLOY_NODE_HEARTBEAT_INTERVAL", "1s"));
    }

    /**
     * A platform of its own: {@code settings} go into every service's environment, {@code user} is its user, and its node
     * pays its earnings to {@code payoutAddress}.
     */
    static Platform start(String nodeId, String gatewayHost, Map<String, String> settings, io.deeploy.signing.DeeployWallet user,
            String payoutAddress) throws Exception {
        // A directory per platform (several may run in one test JVM), named by its node.
        Path logs = Path.of("target", "e2e-logs", nodeId);
        Files.createDirectories(logs);
        LeakScan.logsIn(logs);
        synchronized (Platform.class) {
            if (LIVE.get() == 0) {
                // Jobs earlier modules' tests left to the scheduler must not land on this run's nodes.
                TestInfra.cleanSchedulerSlate();
            }
            LIVE.incrementAndGet();
        }
        Platform platform = new Platform(nodeId, logs, gatewayHost, settings, user, payoutAddress);
        try {
            platform.launch(INGRESS);
            for (String service : SERVICES) {
                platform.launch(service);
            }
            platform.awaitReady(INGRESS);
            for (String service : SERVICES) {
                platform.awaitReady(service);
            }
            platform.registerNode(nodeId, "127.0.0.1");
        } catch (Exception e) {
            platform.close();
            throw e;
        }
        return platform;
    }

    /**
     * Starts a further node agent for another edge node, as a process named {@code builder-svc@<nodeId>}; returns the
     * name once it is ready.
     */
    String startAgent(String agentNodeId) throws Exception {
        String name = "builder-svc@" + agentNodeId;
        ports.put(name, ServiceProcesses.freePort());
        launch(name);
        awaitReady(name);
        registerNode(agentNodeId, "127.0.0.1");
        return name;
    }

    /** The agent's work directory, where it keeps its key. */
    Path nodeWorkDir(String agentNodeId) {
        return logs.resolve("node-work-" + agentNodeId).toAbsolutePath();
    }

    /**
     * Registers a node as its operator (this run's user) would, with the public key its agent made on first start, and
     * waits until the registry has it (its heartbeats accepted).
     */
    void registerNode(String agentNodeId, String address) throws Exception {
        Path publicKey = nodeWorkDir(agentNodeId).resolve("node.key.pub");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(publicKey) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        String body = "{\"id\":\"" + agentNodeId + "\",\"publicKey\":\"" + Files.readString(publicKey).strip()
                + "\",\"address\":\"" + address + "\""
                + (payoutAddress == null ? "" : ",\"payoutAddress\":\"" + payoutAddress + "\"") + "}";
        HttpResponse<String> registered = apiPost("/api/nodes", body, java.util.UUID.randomUUID().toString());
        if (registered.statusCode() != 201 && registered.statusCode() != 200) {
            throw new IllegalStateException("node " + agentNodeId + " not registered: " + registered.body());
        }
        while (System.nanoTime() < deadline) {
            if (get(url("scheduler-svc", "/api/nodes/" + agentNodeId)).statusCode() == 200) {
                return;
            }
            Thread.sleep(300);
        }
        throw new IllegalStateException("node " + agentNodeId + " registered but never heard from through the gateway");
    }

    /** The node gateway's address on this machine, as this machine's agents are given it (its first address). */
    String gatewayUrl() {
        return "http://" + gatewayHost.split(",")[0] + ":" + gatewayPort;
    }

    /** Kills a process abruptly (SIGKILL), as a crash or a power cut would. */
    void kill(String name) throws InterruptedException {
        Process process = processes.get(name);
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    /** Starts a killed process again on its port; returns once it is ready. */
    void relaunch(String name) throws Exception {
        launch(name);
        awaitReady(name);
    }

    private Path logOf(String name) {
        return logs.resolve(name.replace('@', '-') + ".log");
    }

    /** Where tunnel-svc writes the routes and the ingress reads them. */
    Path routesFile() {
        return logs.resolve("ingress-routes").toAbsolutePath();
    }

    private void launch(String name) throws IOException {
        if (name.equals(INGRESS)) {
            // As ./deeploy up runs it (its launcher keeps a class-data archive beside the routes file for quick restarts).
            ProcessBuilder builder = new ProcessBuilder(Path.of("..", "services", "tunnel-svc", "ingress").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logOf(name).toFile()));
            builder.environment().keySet().removeIf(variable -> variable.startsWith("DEEPLOY_"));
            builder.environment().put("DEEPLOY_INGRESS_PORT", String.valueOf(ingressPort));
            builder.environment().put("DEEPLOY_INGRESS_ROUTES_FILE", routesFile().toString());
            // One class-data archive for the run's ingresses: the first to stop cleanly makes it, later starts use it.
            builder.environment().put("DEEPLOY_INGRESS_CDS_DIR", Path.of("target", "e2e-logs", "ingress-cds").toAbsolutePath().toString());
            processes.put(name, builder.start());
            return;
        }
        // "builder-svc@node" is a further agent: the builder-svc jar with its own node id and workspace.
        String service = name.contains("@") ? name.substring(0, name.indexOf('@')) : name;
        String agentNodeId = name.contains("@") ? name.substring(name.indexOf('@') + 1) : nodeId;
        Path jar = Path.of("..", "services", service, "target", "quarkus-app", "quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: package the services first (the e2e module runs last in the reactor)");
        }
        ProcessBuilder builder = new ProcessBuilder("java", "-Xmx256m", "-jar", jar.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logOf(name).toFile()));
        Map<String, String> env = builder.environment();
        // A process sees only its own credentials, as ./deeploy up hands them out: none of the test instance's.
        env.keySet().removeIf(variable -> variable.matches("DEEPLOY_(PG|KAFKA)_.*|DEEPLOY_REGISTRY_(USER|PASSWORD)"));
        env.put("DEEPLOY_HTTP_PORT", String.valueOf(ports.get(name)));
        if (service.equals("builder-svc")) {
            env.put("DEEPLOY_NODE_ID", agentNodeId);
            env.put("DEEPLOY_NODE_WORK_DIR", nodeWorkDir(agentNodeId).toString());
            env.put("DEEPLOY_NODE_GATEWAY_URL", gatewayUrl());
            // Room for jobs other tests may have left waiting, so they cannot crowd out this test's job.
            env.put("DEEPLOY_NODE_CPU_MILLIS", "64000");
            env.put("DEEPLOY_NODE_MEMORY_MB", "65536");
            env.put("DEEPLOY_NODE_WEBHOOK_SECRET", WEBHOOK_SECRET);
            // The tests' git servers are on loopback: this node's operator lets jobs fetch from there.
            env.put("DEEPLOY_NODE_ALLOWED_TARGET_RANGES", "127.0.0.0/8");
        } else {
            Map<String, String> credentials = TestInfra.serviceEnvironment(service);
            LeakScan.secret(credentials.get("DEEPLOY_KAFKA_PASSWORD"));
            LeakScan.secret(credentials.get("DEEPLOY_PG_PASSWORD"));
            env.putAll(credentials);
            env.put("DEEPLOY_INTERNAL_TOKEN", INTERNAL_TOKEN);
        }
        // Every level the services write is scanned for secrets (LeakScanE2EIT): their own code logs at DEBUG here.
        env.put("QUARKUS_LOG_CATEGORY__IO_DEEPLOY__LEVEL", "DEBUG");
        // Failover within seconds rather than the production default of 30 s, yet later than an agent's restart takes on a
        // loaded 2-core machine (JVM start and first heartbeat: up to about 12 s under a parallel build), since a node
        // declared lost has its apps stopped.
        env.put("DEEPLOY_SCHEDULER_NODE_LOST_AFTER", "20s");
        env.put("DEEPLOY_SCHEDULER_SWEEP_INTERVAL", "1s");
        env.put("DEEPLOY_ORACLE_ESCROW_URL", url("escrow-svc", ""));
        env.put("DEEPLOY_BILLING_ESCROW_URL", url("escrow-svc", ""));
        env.put("DEEPLOY_INGRESS_PORT", String.valueOf(ingressPort));
        env.put("DEEPLOY_INGRESS_ROUTES_FILE", routesFile().toString());
        env.put("DEEPLOY_GATEWAY_HOST", gatewayHost);
        env.put("DEEPLOY_GATEWAY_PORT", String.valueOf(gatewayPort));
        env.put("DEEPLOY_PROJECT_URL", url("project-svc", ""));
        env.put("DEEPLOY_REGISTRY_SCHEDULER_URL", url("scheduler-svc", ""));
        env.put("DEEPLOY_SECRETS_KEY_FILE", logs.resolve("secrets.keys").toAbsolutePath().toString());
        env.put("DEEPLOY_AUTH_LOG_GRANT_KEY_FILE", logs.resolve("log-grant.key").toAbsolutePath().toString());
        // This run's user operates the nodes (on loopback here) and is the platform's admin.
        env.put("DEEPLOY_REGISTRY_ADMINS", user.address());
        env.put("DEEPLOY_REGISTRY_ALLOW_LOOPBACK_ADDRESSES", "true");
        env.put("DEEPLOY_JOBS_ALLOW_PRIVATE_REPOSITORIES", "true");
        env.put("DEEPLOY_AUDIENCE", AUDIENCE);
        env.putAll(settings);
        processes.put(name, builder.start());
    }

    private void awaitReady(String service) throws Exception {
        ServiceProcesses.awaitReady(service, processes.get(service), url(service, "/q/health/ready"), logOf(service));
    }

    /**
     * Kills a service abruptly (SIGKILL, as a crash or power cut would) and starts it again on the same port; returns
     * once it is ready. Its log goes on in the same file.
     */
    void crashAndRestart(String service) throws Exception {
        Process process = processes.get(service);
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
        launch(service);
        awaitReady(service);
    }

    /** Everything the services have logged so far, for scans. */
    String logs() throws IOException {
        StringBuilder all = new StringBuilder();
        for (String name : processes.keySet()) {
            all.append(Files.readString(logOf(name)));
        }
        return all.toString();
    }

    String url(String service, String path) {
        return "http://127.0.0.1:" + ports.get(service) + path;
    }

    /** This run's user: every project API call is signed by this wallet, as a browser wallet would sign it. */
    final io.deeploy.signing.DeeployWallet user;


    /** A signed call to project-svc's API; {@code path} is concrete, because the signature covers it. */
    HttpResponse<String> api(String method, String path, String json, String idempotencyKey)
            throws IOException, InterruptedException {
        String body = json == null ? "" : json;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url("project-svc", path))).timeout(Duration.ofSeconds(10))
                .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        user.headers(AUDIENCE, method, path, body).forEach(request::header);
        if (!body.isEmpty()) {
            request.header("Content-Type", "application/json");
        }
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The platform's API through the Java SDK, signed by this run's user. */
    io.deeploy.client.DeeployClient client() {
        return io.deeploy.client.DeeployClient.withWallet(url("project-svc", ""), user);
    }

    HttpResponse<String> apiGet(String path) throws IOException, InterruptedException {
        return api("GET", path, null, null);
    }

    HttpResponse<String> apiPost(String path, String json, String idempotencyKey) throws IOException, InterruptedException {
        return api("POST", path, json, idempotencyKey);
    }

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String url, String json, String idempotencyKey) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * What an app's public URL serves, asked of this platform's ingress by host name as a browser with wildcard DNS
     * would: the body for a 200, otherwise "HTTP <status>" or the failure.
     */
    String serve(String url) {
        try {
            URI uri = URI.create(url);
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + ingressPort + uri.getPath()))
                    .header("Host", uri.getHost() + ":" + uri.getPort()).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : "HTTP " + response.statusCode();
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }

    /** A WAR job on this platform's node serving the repository with python's http.server after {@code buildCommand}. */
    String pythonSiteJob(String alias, String repoUrl, String buildCommand) {
        return "{\"alias\":\"" + alias + "\",\"kind\":\"WAR\",\"image\":\"local/python:bookworm\","
                + "\"repository\":{\"url\":\"" + repoUrl + "\",\"branch\":\"main\",\"pollIntervalSeconds\":5},"
                + "\"commands\":[\"" + buildCommand + "\",\"python3 -m http.server 8000\"],\"port\":8000,"
                + "\"resources\":{\"cpu\":0.5,\"memoryMb\":256},\"healthCheck\":{\"mode\":\"http\",\"path\":\"/\"},"
                + "\"targetNodes\":[\"" + nodeId + "\"]}";
    }

    /**
     * A CAR job on this platform's node: python's http.server serving {@code content}, a file volume named "index" at
     * /site/index.html.
     */
    String pythonFileJob(String alias, String content) throws IOException {
        return io.deeploy.events.EventCodec.mapper().writeValueAsString(Map.of(
                "alias", alias, "kind", "CAR", "image", "local/python:bookworm",
                "commands", List.of("cd /site && python3 -m http.server 8000"),
                "fileVolumes", List.of(Map.of("name", "index", "mountPath", "/site/index.html", "content", content)),
                "port", 8000, "resources", Map.of("cpu", 0.25, "memoryMb", 128),
                "healthCheck", Map.of("mode", "http", "path", "/"), "targetNodes", List.of(nodeId)));
    }

    /** An app's public URL on this platform's ingress. */
    String appUrl(String alias) {
        return "http://" + alias + ".apps.localhost:" + ingressPort + "/";
    }

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            LIVE.decrementAndGet();
        }
        processes.values().forEach(Process::destroy); // all at once, then each waited for
        processes.values().forEach(ServiceProcesses::stop);
        // This test platform's nodes are gone for good: what their agents leave serving goes too.
        for (String name : processes.keySet()) {
            if (name.startsWith("builder-svc")) {
                ServiceProcesses.removeNodeLeftovers(name.contains("@") ? name.substring(name.indexOf('@') + 1) : nodeId);
            }
        }
    }
}
