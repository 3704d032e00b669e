package io.deeploy.tunnel.service;

import io.deeploy.tunnel.config.IngressConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The built-in ingress: a reverse proxy that sends {@code http://<alias>.<base-domain>:<port>/...} (and, where the
 * operator allows path routes, {@code http://<host>:<port>/apps/<alias>/...}) to a node serving the app. Bodies are
 * streamed both ways. What an app learns of the request's origin ({@code X-Forwarded-*}) is the ingress's word alone.
 */
@ApplicationScoped
public class IngressServer {

    private static final Logger LOG = Logger.getLogger(IngressServer.class);
    /** Headers that describe one hop, not the message, and must not be forwarded. */
    static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
            "te", "trailer", "transfer-encoding", "upgrade", "host");
    /**
     * Headers that claim where a request came from: the ingress sets its own and drops what the client sent, or a
     * client could pose as any address (to an app's rate limits or allow-lists) or any host and scheme (to its links).
     */
    static final Set<String> ORIGIN_CLAIMS = Set.of("forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
            "x-forwarded-port", "x-forwarded-prefix", "x-forwarded-server", "x-real-ip", "x-client-ip", "true-client-ip");

    private final RouteTable routes;
    private final IngressConfig config;
    private HttpServer server;
    private HttpClient client;

    public IngressServer(RouteTable routes, IngressConfig config) {
        this.routes = routes;
        this.config = config;
    }

    /** Where a request goes: the app's alias and the path to ask it for. */
    record Destination(String alias, String path, String prefix) {
    }

    static Destination resolve(String hostHeader, String uri, String baseDomain, boolean pathRoutes) {
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

    void start(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 1000) StartupEvent startup, Vertx vertx)
            throws Exception {
        client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2000).setMaxPoolSize(64)
                .setKeepAlive(true).setIdleTimeout(30).setIdleTimeoutUnit(TimeUnit.SECONDS));
        // HTTP/1.1 only: a cleartext HTTP/2 upgrade would be answered by the server, not forwarded to the app.
        server = vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port())
                        .setHttp2ClearTextEnabled(false))
                .requestHandler(this::proxy);
        server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        LOG.infof("ingress listening on http://%s:%d/ (apps at http://<alias>.%s:%d/ and /apps/<alias>/)",
                config.host(), server.actualPort(), config.baseDomain(), config.port());
    }

    void stop(@Observes ShutdownEvent shutdown) {
        if (server != null) {
            server.close();
        }
        if (client != null) {
            client.close();
        }
    }

    public int port() {
        return server.actualPort();
    }

    private void proxy(HttpServerRequest request) {
        Destination destination = resolve(request.getHeader("Host"), request.uri(), config.baseDomain(), config.pathRoutes());
        if (destination == null) {
            error(request, 404, "NO_APP", "no app at this address: use http://<alias>." + config.baseDomain() + "/"
                    + (config.pathRoutes() ? " or /apps/<alias>/" : ""));
            return;
        }
        RouteTable.Target target = routes.pick(destination.alias());
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
                    LOG.debugf("ingress: %s -> %s:%d failed: %s", destination.alias(), target.host(), target.port(),
                            failure.getMessage());
                    error(request, 502, "APP_UNREACHABLE", "app '" + destination.alias() + "' did not answer");
                });
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
