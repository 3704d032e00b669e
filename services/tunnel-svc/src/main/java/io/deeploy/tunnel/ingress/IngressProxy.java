package io.deeploy.tunnel.ingress;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The built-in ingress: a reverse proxy that sends {@code http://<alias>.<base-domain>:<port>/...} (and, where the
 * operator allows path routes, {@code http://<host>:<port>/apps/<alias>/...}) to a node serving the app, from the route
 * table it is given. Bodies are streamed both ways. What an app learns of the request's origin ({@code X-Forwarded-*})
 * is the ingress's word alone. On an address that is no app's, {@code /q/health/ready} says whether it has its table.
 */
public final class IngressProxy {

    private static final Logger LOG = Logger.getLogger(IngressProxy.class.getName());
    /** Headers that describe one hop, not the message, and must not be forwarded. */
    static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
            "te", "trailer", "transfer-encoding", "upgrade", "host");
    /**
     * Headers that claim where a request came from: the ingress sets its own and drops what the client sent, or a
     * client could pose as any address (to an app's rate limits or allow-lists) or any host and scheme (to its links).
     */
    static final Set<String> ORIGIN_CLAIMS = Set.of("forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
            "x-forwarded-port", "x-forwarded-prefix", "x-forwarded-server", "x-real-ip", "x-client-ip", "true-client-ip");
    static final String READINESS_PATH = "/q/health/ready";

    private final Vertx vertx;
    private final IngressSettings settings;
    /** The current table; null until it was first loaded (or found absent). */
    private final Supplier<RouteSnapshot> routes;
    private final AtomicInteger turn = new AtomicInteger();
    private HttpServer server;
    private HttpClient client;

    public IngressProxy(Vertx vertx, IngressSettings settings, Supplier<RouteSnapshot> routes) {
        this.vertx = vertx;
        this.settings = settings;
        this.routes = routes;
    }

    /** Where a request goes: the app's alias and the path to ask it for. */
    public record Destination(String alias, String path, String prefix) {
    }

    public static Destination resolve(String hostHeader, String uri, String baseDomain, boolean pathRoutes) {
        String host = hostHeader == null ? "" : hostHeader.toLowerCase(Locale.ROOT);
        int colon = host.lastIndexOf(':');
        if (colon > 0 && !host.endsWith("]")) {
            host = host.substring(0, colon);
        }
        String suffix = "." + baseDomain.toLowerCase(Locale.ROOT);
        if (host.endsWith(suffix) && host.length() > suffix.length()) {
            String alias = host.substring(0, host.length() - suffix.length());
            if (!alias.contains(".")) {
                return new Destination(alias, uri, null);
            }
        }
        if (pathRoutes && uri.startsWith("/apps/")) {
            int end = uri.indexOf('/', "/apps/".length());
            int query = uri.indexOf('?');
            if (end < 0 || (query >= 0 && query < end)) {
                end = query >= 0 ? query : uri.length();
            }
            String alias = uri.substring("/apps/".length(), end);
            String rest = uri.substring(end);
            if (!alias.isEmpty()) {
                return new Destination(alias, rest.isEmpty() || rest.startsWith("?") ? "/" + rest : rest, "/apps/" + alias);
            }
        }
        return null;
    }

    /**
     * Starts listening, on the event loop of the calling context (a verticle's): several proxies on one port, each in a
     * verticle of its own, share the connections among their loops. Completes with the port.
     */
    public Future<Integer> listen() {
        client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2000).setMaxPoolSize(64)
                .setKeepAlive(true).setIdleTimeout(30).setIdleTimeoutUnit(TimeUnit.SECONDS));
        // HTTP/1.1 only: a cleartext HTTP/2 upgrade would be answered by the server, not forwarded to the app.
        server = vertx.createHttpServer(new HttpServerOptions().setHost(settings.host()).setPort(settings.port())
                        .setHttp2ClearTextEnabled(false))
                .requestHandler(this::proxy);
        return server.listen().map(HttpServer::actualPort);
    }

    /** Listens, from outside any verticle (one event loop); returns the port. For tests and embedding. */
    public int start() throws Exception {
        int port = listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        LOG.info(() -> "ingress listening on http://" + settings.host() + ":" + port + "/, routes from " + settings.routesFile());
        return port;
    }

    public void stop() {
        if (server != null) {
            server.close();
        }
        if (client != null) {
            client.close();
        }
    }

    /** A target for the alias, rotating over the nodes that serve it; null when the alias has no route. */
    RouteSnapshot.Target pick(String alias) {
        RouteSnapshot table = routes.get();
        List<RouteSnapshot.Target> targets = table == null ? null : table.byAlias().get(alias);
        if (targets == null || targets.isEmpty()) {
            return null;
        }
        return targets.get(Math.floorMod(turn.getAndIncrement(), targets.size()));
    }

    private void proxy(HttpServerRequest request) {
        Destination destination = resolve(request.getHeader("Host"), request.uri(), settings.baseDomain(), settings.pathRoutes());
        if (destination == null) {
            if (READINESS_PATH.equals(request.path())) {
                ready(request);
                return;
            }
            error(request, 404, "NO_APP", "no app at this address: use http://<alias>." + settings.baseDomain() + "/"
                    + (settings.pathRoutes() ? " or /apps/<alias>/" : ""));
            return;
        }
        RouteSnapshot.Target target = pick(destination.alias());
        if (target == null) {
            error(request, 404, "NO_ROUTE", "app '" + destination.alias() + "' is not running");
            return;
        }
        request.pause();
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        request.headers().forEach(header -> {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(name) && !ORIGIN_CLAIMS.contains(name)) {
                headers.add(header.getKey(), header.getValue());
            }
        });
        headers.set("X-Forwarded-Host", String.valueOf(request.getHeader("Host")));
        headers.set("X-Forwarded-Proto", "http");
        headers.set("X-Forwarded-For", request.remoteAddress() == null ? "" : request.remoteAddress().hostAddress());
        if (destination.prefix() != null) {
            headers.set("X-Forwarded-Prefix", destination.prefix());
        }
        RequestOptions options = new RequestOptions().setHost(target.host()).setPort(target.port())
                .setMethod(request.method()).setURI(destination.path()).setHeaders(headers);
        client.request(options)
                .compose(upstream -> upstream.send(request))
                .onSuccess(upstream -> {
                    request.response().setStatusCode(upstream.statusCode()).setStatusMessage(upstream.statusMessage());
                    upstream.headers().forEach(header -> {
                        if (!HOP_BY_HOP.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                            request.response().headers().add(header.getKey(), header.getValue());
                        }
                    });
                    request.response().send(upstream);
                })
                .onFailure(failure -> {
                    LOG.log(Level.FINE, () -> "ingress: " + destination.alias() + " -> " + target.host() + ":" + target.port()
                            + " failed: " + failure.getMessage());
                    error(request, 502, "APP_UNREACHABLE", "app '" + destination.alias() + "' did not answer");
                });
    }

    private void ready(HttpServerRequest request) {
        RouteSnapshot table = routes.get();
        request.response().setStatusCode(table == null ? 503 : 200).putHeader("Content-Type", "application/json")
                .end(table == null ? "{\"status\":\"DOWN\",\"reason\":\"route table not read yet\"}"
                        : "{\"status\":\"UP\",\"apps\":" + table.aliases() + "}");
    }

    private static void error(HttpServerRequest request, int status, String code, String message) {
        if (request.response().headWritten()) {
            request.response().reset();
            return;
        }
        request.resume();
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end("{\"code\":\"" + code + "\",\"message\":\"" + message.replace("\"", "'") + "\"}");
    }
}
