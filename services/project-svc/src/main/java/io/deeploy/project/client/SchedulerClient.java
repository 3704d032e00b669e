package io.deeploy.project.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.project.config.RegistryConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/** scheduler-svc's registry: the nodes as the scheduler sees them. No answer is 503 SCHEDULER_UNAVAILABLE. */
@ApplicationScoped
public class SchedulerClient {

    private final ServiceHttp http;

    public SchedulerClient(RegistryConfig registry, Vertx vertx) {
        this.http = new ServiceHttp(vertx, "scheduler-svc", registry.schedulerUrl(), "SCHEDULER_UNAVAILABLE");
    }

    @PreDestroy
    void close() {
        http.close();
    }

    /** Every node that has reported: id, state, status, capacity, free resources, tags (and more this API leaves out). */
    public Uni<JsonNode> nodes() {
        return http.get("/api/nodes", Map.of());
    }
}
