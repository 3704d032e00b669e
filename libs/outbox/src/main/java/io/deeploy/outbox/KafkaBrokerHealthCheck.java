package io.deeploy.outbox;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
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

    /** {@code kafka}: the service's {@code kafka.*} settings (bootstrap servers and its SASL credentials). */
    public KafkaBrokerHealthCheck(@Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.bootstrap = String.valueOf(kafka.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
        Map<String, Object> config = new HashMap<>();
        for (String key : new String[] {AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, AdminClientConfig.SECURITY_PROTOCOL_CONFIG,
                "sasl.mechanism", "sasl.jaas.config"}) {
            if (kafka.get(key) != null) {
                config.put(key, kafka.get(key));
            }
        }
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
        this.admin = Admin.create(config);
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
