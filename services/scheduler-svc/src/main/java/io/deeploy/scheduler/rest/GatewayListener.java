package io.deeploy.scheduler.rest;

import io.deeploy.node.api.GatewayApi;
import io.deeploy.scheduler.config.GatewayConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The gateway's own socket: the address nodes are given (on another machine, the one they reach), separate from the
 * service's internal API on 127.0.0.1. It hands requests for the gateway's paths to the service's routes and refuses
 * everything else, so a node reaches neither the registry's API, nor health, metrics or OpenAPI documents.
 */
@ApplicationScoped
public class GatewayListener {

    private static final Logger LOG = Logger.getLogger(GatewayListener.class);

    private final GatewayConfig config;
    private final List<HttpServer> servers = new ArrayList<>();
    private Router routes;

    public GatewayListener(GatewayConfig config) {
        this.config = config;
    }

    void routes(@Observes Router router) {
        this.routes = router;
    }

    void start(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 1000) StartupEvent startup, Vertx vertx) throws Exception {
        for (String host : config.host()) {
            HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(host.strip()).setPort(config.port())
                            .setHttp2ClearTextEnabled(false))
                    .requestHandler(request -> {
                        if (request.path().startsWith(GatewayApi.ROOT + "/")) {
                            routes.handle(request);
                        } else {
                            request.response().setStatusCode(404).putHeader("Content-Type", "application/json")
                                    .end("{\"code\":\"NOT_FOUND\",\"message\":\"the node gateway serves " + GatewayApi.ROOT
                                            + "/ only\"}");
                        }
                    });
            server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            servers.add(server);
            LOG.infof("node gateway listening on http://%s:%d%s/", host.strip(), server.actualPort(), GatewayApi.ROOT);
        }
    }

    void stop(@Observes ShutdownEvent shutdown) {
        servers.forEach(HttpServer::close);
    }

    /** The port it listens on (the configured one, or the one picked for port 0) on its first address. */
    public int port() {
        return servers.get(0).actualPort();
    }
}
