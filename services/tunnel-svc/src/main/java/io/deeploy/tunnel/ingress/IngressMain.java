package io.deeploy.tunnel.ingress;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/**
 * The ingress as a process of its own: the data plane that carries every app's traffic, apart from tunnel-svc (the
 * control plane that decides the routes), so that apps keep serving while tunnel-svc, its database or its broker
 * restarts. It needs nothing but its route file, and starts in well under a second. Run from tunnel-svc's packaged
 * jars: {@code java -cp "quarkus-app/app/*:quarkus-app/lib/main/*" io.deeploy.tunnel.ingress.IngressMain}, configured by
 * the environment ({@link IngressSettings#fromEnvironment}).
 */
public final class IngressMain {

    /** How often the route file is looked at: a changed route is served within this. */
    static final long WATCH_MILLIS = 200;

    private IngressMain() {
    }

    public static void main(String[] args) throws Exception {
        IngressSettings settings = IngressSettings.fromEnvironment(System.getenv());
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors())));
        RouteFileWatcher routes = new RouteFileWatcher(settings.routesFile());
        routes.start(vertx, WATCH_MILLIS);
        IngressProxy proxy = new IngressProxy(vertx, settings, routes);
        try {
            proxy.start();
        } catch (Exception e) {
            System.err.println("ingress: cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage());
            vertx.close();
            System.exit(1);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.stop();
            routes.stop(vertx);
            vertx.close().toCompletionStage().toCompletableFuture().orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join();
        }, "ingress-shutdown"));
    }
}
