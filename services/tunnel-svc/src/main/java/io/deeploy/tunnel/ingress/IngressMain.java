package io.deeploy.tunnel.ingress;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The ingress as a process of its own: the data plane that carries every app's traffic, apart from tunnel-svc (the
 * control plane that decides the routes), so that apps keep serving while tunnel-svc, its database or its broker
 * restarts. It needs nothing but its route file, and serves within a second of its start (with the class-data archive
 * its launcher keeps). Run by {@code services/tunnel-svc/ingress} from tunnel-svc's packaged jars, configured by the
 * environment ({@link IngressSettings#fromEnvironment}).
 */
public final class IngressMain {

    private static final Logger LOG = Logger.getLogger(IngressMain.class.getName());
    /** How often the route file is looked at: a changed route is served within this. */
    static final long WATCH_MILLIS = 200;

    private IngressMain() {
    }

    public static void main(String[] args) throws Exception {
        IngressSettings settings = IngressSettings.fromEnvironment(System.getenv());
        int loops = Math.max(2, Runtime.getRuntime().availableProcessors());
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        RouteFileWatcher routes = new RouteFileWatcher(settings.routesFile());
        routes.start(vertx, WATCH_MILLIS);
        try {
            // One proxy per event loop, all on the one port.
            vertx.deployVerticle(() -> new IngressVerticle(settings, routes), new DeploymentOptions().setInstances(loops))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("ingress: cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage());
            vertx.close();
            System.exit(1);
        }
        LOG.info(() -> "ingress listening on http://" + settings.host() + ":" + settings.port() + "/ on " + loops
                + " event loops (apps at http://<alias>." + settings.baseDomain() + ":" + settings.port() + "/"
                + (settings.pathRoutes() ? " and /apps/<alias>/" : "") + "), routes from " + settings.routesFile());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            routes.stop(vertx);
            vertx.close().toCompletionStage().toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
        }, "ingress-shutdown"));
    }
}
