package io.deeploy.tunnel;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.deeploy.events.Event;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.RouteReady;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.tunnel.ingress.IngressProxy;
import io.deeploy.tunnel.ingress.IngressSettings;
import io.deeploy.tunnel.ingress.RouteFileWatcher;
import io.deeploy.tunnel.ingress.RouteSnapshot;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.config.ConfigProvider;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Route table against the real Kafka and PostgreSQL of the test instance, served by an ingress started here as the
 * ingress process starts it: from the routes file this tunnel-svc writes, and nothing else.
 */
@QuarkusTest
class RoutesIT {

    static KafkaEvents kafka;
    static Vertx vertx;
    static IngressProxy ingress;

    @BeforeAll
    static void connect() throws Exception {
        kafka = KafkaEvents.fromEnvironment();
        vertx = Vertx.vertx();
        ingress = start(18085);
    }

    /** An ingress on {@code port} over the routes file of the test profile, as IngressMain runs it. */
    static IngressProxy start(int port) throws Exception {
        IngressSettings settings = new IngressSettings("apps.localhost", "127.0.0.1", port, false, ROUTES_FILE);
        RouteFileWatcher routes = new RouteFileWatcher(settings.routesFile());
        routes.start(vertx, 200);
        IngressProxy proxy = new IngressProxy(vertx, settings, routes);
        proxy.start();
        return proxy;
    }

    @AfterAll
    static void close() {
        kafka.close();
        ingress.stop();
        vertx.close();
    }

    static final Path ROUTES_FILE = Path.of(ConfigProvider.getConfig().getValue("deeploy.ingress.routes-file", String.class));

    static List<String> targets(String alias) {
        return given().get("/api/routes/{alias}", alias).then().statusCode(200).extract().path("target");
    }

    @Test
    void aRouteFollowsItsAppThroughRedeployAndStop() {
        String jobId = "job-" + UUID.randomUUID();
        String alias = "a" + UUID.randomUUID().toString().substring(0, 8);
        Event<AppStarted> v1 = Event.of(new AppStarted(jobId, "n1", alias, "c1", "ctr1", "127.0.0.1", 31001));
        kafka.publish(v1);
        await().atMost(Duration.ofSeconds(20)).until(() -> targets(alias).equals(List.of("127.0.0.1:31001")));
        given().get("/api/routes/{alias}", alias).then()
                .body("url[0]", equalTo("http://" + alias + ".apps.localhost:18085/")).body("commit[0]", equalTo("c1"));

        // The redeployed version serves on another port; the old event redelivered must not switch back.
        kafka.publish(Event.of(new AppStarted(jobId, "n1", alias, "c2", "ctr2", "127.0.0.1", 31002)));
        kafka.publish(v1);
        await().atMost(Duration.ofSeconds(20)).until(() -> targets(alias).equals(List.of("127.0.0.1:31002")));
        kafka.awaitConsumed("tunnel-svc", Topics.JOB_EVENTS, Duration.ofSeconds(30));
        assertThat(targets(alias)).as("after the redelivered v1 was consumed").containsExactly("127.0.0.1:31002");

        kafka.publish(Event.of(new JobStopped(jobId, "n1", "owner")));
        await().atMost(Duration.ofSeconds(20)).until(() -> targets(alias).isEmpty());
    }

    @Test
    void afterAFailoverTrafficGoesOnlyToTheNewNodeAndALateReportOfTheOldOneIsIgnored() {
        String jobId = "job-" + UUID.randomUUID();
        String alias = "f" + UUID.randomUUID().toString().substring(0, 8);
        kafka.publish(Event.of(new NodeSelected(jobId, List.of("n-old"), List.of("n-new"), 1, "placed", null)));
        kafka.publish(Event.of(new AppStarted(jobId, "n-old", alias, "c1", "ctr1", "127.0.0.1", 32001)));
        await().atMost(Duration.ofSeconds(20)).until(() -> targets(alias).equals(List.of("127.0.0.1:32001")));

        // n-old is lost: its route stays (its container may still serve) until the new node reports, then goes.
        kafka.publish(Event.of(new NodeSelected(jobId, List.of("n-new"), List.of(), 2, "failover: node n-old lost", null)));
        kafka.awaitConsumed("tunnel-svc", Topics.JOB_EVENTS, Duration.ofSeconds(30));
        assertThat(targets(alias)).as("after the failover was consumed").containsExactly("127.0.0.1:32001");
        kafka.publish(Event.of(new AppStarted(jobId, "n-new", alias, "c1", "ctr2", "127.0.0.1", 32002)));
        await().atMost(Duration.ofSeconds(20)).until(() -> targets(alias).equals(List.of("127.0.0.1:32002")));

        // The old node's agent comes back and re-announces its container: ignored; its stop removes nothing of n-new.
        // Each is checked on its own once consumed: the stop that follows would otherwise hide a route the start added.
        kafka.publish(Event.of(new AppStarted(jobId, "n-old", alias, "c1", "ctr1", "127.0.0.1", 32001)));
        kafka.awaitConsumed("tunnel-svc", Topics.JOB_EVENTS, Duration.ofSeconds(30));
        assertThat(targets(alias)).as("after the old node's late start was consumed").containsExactly("127.0.0.1:32002");
        kafka.publish(Event.of(new JobStopped(jobId, "n-old", "moved to n-new")));
        kafka.awaitConsumed("tunnel-svc", Topics.JOB_EVENTS, Duration.ofSeconds(30));
        assertThat(targets(alias)).as("after the old node's stop was consumed").containsExactly("127.0.0.1:32002");
        kafka.publish(Event.of(new JobStopped(jobId, "n-new", "owner")));
        await().atMost(Duration.ofSeconds(20)).until(() -> targets(alias).isEmpty());
    }

    @Test
    void theIngressServesTheAppAnnouncesItsUrlAndSwitchesOnRedeploy() throws Exception {
        String jobId = "job-" + UUID.randomUUID();
        String alias = "i" + UUID.randomUUID().toString().substring(0, 8);
        String host = alias + ".apps.localhost:18085";
        HttpServer v1 = app("v1");
        HttpServer v2 = app("v2");
        try {
            ingress(host).get("/").then().statusCode(404).body("code", equalTo("NO_ROUTE"));

            kafka.publish(Event.of(new AppStarted(jobId, "n1", alias, "c1", "ctr1", "127.0.0.1", v1.getAddress().getPort())));
            await().atMost(Duration.ofSeconds(20)).until(() -> body("/hello?x=1", host).equals("v1 /hello?x=1"));
            // Apps under one host name would share one browser origin: the path form is off unless the operator allows it.
            assertThat(body("/apps/" + alias + "/", null)).isEqualTo("HTTP 404");
            List<RouteReady> ready = kafka.eventsWithKey(Topics.ROUTE_EVENTS, jobId).stream()
                    .filter(e -> e.payload() instanceof RouteReady).map(e -> (RouteReady) e.payload()).toList();
            assertThat(ready).containsExactly(new RouteReady(jobId, alias, "http://" + alias + ".apps.localhost:18085/"));

            kafka.publish(Event.of(new AppStarted(jobId, "n1", alias, "c2", "ctr2", "127.0.0.1", v2.getAddress().getPort())));
            await().atMost(Duration.ofSeconds(20)).until(() -> body("/", host).equals("v2 /"));
            // A redeploy switches the route; it announces no new URL.
            assertThat(kafka.eventsWithKey(Topics.ROUTE_EVENTS, jobId).stream().filter(e -> e.payload() instanceof RouteReady)).hasSize(1);

            v2.stop(0);
            ingress(host).get("/").then().statusCode(502).body("code", equalTo("APP_UNREACHABLE"));
            kafka.publish(Event.of(new JobStopped(jobId, "n1", "owner")));
            await().atMost(Duration.ofSeconds(20)).until(() -> ingress(host).get("/").statusCode() == 404);
        } finally {
            v1.stop(0);
            v2.stop(0);
        }
    }

    @Test
    void anAliasIsServedByOneJobOnlyAndWhatTheAppLearnsOfTheClientIsTheIngresssWord() throws Exception {
        String alias = "o" + UUID.randomUUID().toString().substring(0, 8);
        String host = alias + ".apps.localhost:18085";
        String first = "job-" + UUID.randomUUID();
        String second = "job-" + UUID.randomUUID();
        HttpServer firstApp = echoApp("first");
        HttpServer secondApp = app("second");
        try {
            kafka.publish(Event.of(new AppStarted(first, "n1", alias, "c1", "ctr1", "127.0.0.1", firstApp.getAddress().getPort())));
            await().atMost(Duration.ofSeconds(20)).until(() -> body("/", host).startsWith("first"));
            // Another job reports the same alias (as around one job's stop and the next one's start): it is not mixed in.
            kafka.publish(Event.of(new AppStarted(second, "n2", alias, "c1", "ctr2", "127.0.0.1", secondApp.getAddress().getPort())));
            await().atMost(Duration.ofSeconds(20)).until(() -> targets(alias).size() == 2);
            for (int i = 0; i < 10; i++) {
                assertThat(body("/", host)).startsWith("first");
            }

            // Origin headers a client makes up do not reach the app; the ingress's own do.
            String seen = ingress(host).header("X-Forwarded-For", "203.0.113.9").header("Forwarded", "for=203.0.113.9;proto=https")
                    .header("X-Real-IP", "203.0.113.9").header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "bank.example")
                    .get("/").then().statusCode(200).extract().asString();
            assertThat(seen).contains("x-forwarded-for=127.0.0.1\n", "x-forwarded-proto=http\n", "x-forwarded-host=" + host + "\n")
                    .doesNotContain("203.0.113.9", "bank.example", "forwarded=", "x-real-ip");

            // Once the first job's route goes, the alias passes to the second.
            kafka.publish(Event.of(new JobStopped(first, "n1", "owner")));
            await().atMost(Duration.ofSeconds(20)).until(() -> body("/", host).startsWith("second"));
            kafka.publish(Event.of(new JobStopped(second, "n2", "owner")));
        } finally {
            firstApp.stop(0);
            secondApp.stop(0);
        }
    }

    /**
     * The ingress needs nothing but the file: one started after the route was written serves the app at once, and a
     * route file that goes missing or turns unreadable leaves it serving what it had.
     */
    @Test
    void anIngressServesFromTheRoutesFileAloneAndKeepsItsTableWhenTheFileBreaks() throws Exception {
        String jobId = "job-" + UUID.randomUUID();
        String alias = "r" + UUID.randomUUID().toString().substring(0, 8);
        HttpServer app = app("file");
        IngressProxy second = null;
        try {
            kafka.publish(Event.of(new AppStarted(jobId, "n1", alias, "c1", "ctr1", "127.0.0.1", app.getAddress().getPort())));
            await().atMost(Duration.ofSeconds(20)).until(() -> RouteSnapshot.read(ROUTES_FILE).byAlias().containsKey(alias));
            assertThat(Files.getPosixFilePermissions(ROUTES_FILE)).containsExactlyInAnyOrder(
                    java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);

            second = start(18086);
            String host = alias + ".apps.localhost:18086";
            assertThat(given().baseUri("http://127.0.0.1:18086").header("Host", host).get("/x").asString()).isEqualTo("file /x");
            given().baseUri("http://127.0.0.1:18086").get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));

            // A broken table is not served: the last good one is.
            String good = Files.readString(ROUTES_FILE);
            Path broken = ROUTES_FILE.resolveSibling("broken-routes");
            Files.writeString(broken, "not a route table\n");
            Files.move(broken, ROUTES_FILE, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Thread.sleep(600);
            assertThat(given().baseUri("http://127.0.0.1:18086").header("Host", host).get("/y").asString()).isEqualTo("file /y");
            Files.writeString(ROUTES_FILE, good);
        } finally {
            if (second != null) {
                second.stop();
            }
            app.stop(0);
            kafka.publish(Event.of(new JobStopped(jobId, "n1", "owner")));
        }
    }

    /** A stand-in app that answers its name and the request's origin headers, one "name=value" line each. */
    static HttpServer echoApp(String name) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            StringBuilder answer = new StringBuilder(name + "\n");
            exchange.getRequestHeaders().forEach((header, values) -> {
                String lower = header.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("x-") || lower.equals("forwarded")) {
                    values.forEach(value -> answer.append(lower).append('=').append(value).append('\n'));
                }
            });
            byte[] body = answer.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    static io.restassured.specification.RequestSpecification ingress(String host) {
        return given().baseUri("http://127.0.0.1:18085").header("Host", host);
    }

    /** A stand-in app on loopback that answers "<version> <path>". */
    static HttpServer app(String version) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = (version + " " + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    static String body(String path, String host) {
        var request = given().baseUri("http://127.0.0.1:18085");
        if (host != null) {
            request = request.header("Host", host);
        }
        var response = request.get(path);
        return response.statusCode() == 200 ? response.asString() : "HTTP " + response.statusCode();
    }
}
