package io.deeploy.outbox;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Whether the broker answers, within two seconds, so that readiness reports a Kafka outage promptly and by name. */
@Readiness
@ApplicationScoped
public class KafkaBrokerHealthCheck implements AsyncHealthCheck {

    static final String NAME = "Kafka broker";
    static final int TIMEOUT_MS = 2000;

    private final String bootstrap;
    private final Admin admin;

    public KafkaBrokerHealthCheck(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        this.bootstrap = bootstrap;
        this.admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_MS,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_MS,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000));
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return Uni.createFrom().completionStage(() -> admin.describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_MS))
                        .nodes().toCompletionStage())
                .ifNoItem().after(Duration.ofMillis(TIMEOUT_MS + 500)).fail()
                .map(nodes -> HealthCheckResponse.named(NAME).up().withData("bootstrap", bootstrap)
                        .withData("brokers", nodes.size()).build())
                .onFailure().recoverWithItem(e -> HealthCheckResponse.named(NAME).down().withData("bootstrap", bootstrap)
                        .withData("error", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()).build());
    }

    @PreDestroy
    void close() {
        admin.close(Duration.ofSeconds(2));
    }
}
