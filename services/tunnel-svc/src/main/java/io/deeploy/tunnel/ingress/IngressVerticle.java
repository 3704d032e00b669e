package io.deeploy.tunnel.ingress;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import java.util.function.Supplier;

/**
 * One proxy on one event loop. The ingress deploys one per loop on the same port: Vert.x hands each new connection to
 * the next of them, so every loop proxies (a server made outside a verticle serves all its connections on one).
 */
final class IngressVerticle extends AbstractVerticle {

    private final IngressSettings settings;
    private final Supplier<RouteSnapshot> routes;
    private IngressProxy proxy;

    IngressVerticle(IngressSettings settings, Supplier<RouteSnapshot> routes) {
        this.settings = settings;
        this.routes = routes;
    }

    @Override
    public void start(Promise<Void> started) {
        proxy = new IngressProxy(vertx, settings, routes);
        proxy.listen().<Void>mapEmpty().onComplete(started);
    }

    @Override
    public void stop() {
        proxy.stop();
    }
}
