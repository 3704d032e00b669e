package io.deeploy.outbox;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Reports the outbox backlog: how many events wait and how old the oldest is. Always UP (a backlog is what the outbox
 * is for while Kafka is away); Kafka's own check says whether the broker is reachable.
 */
@Readiness
@ApplicationScoped
public class OutboxHealthCheck implements AsyncHealthCheck {

    private final Pool pool;

    public OutboxHealthCheck(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return pool.query("SELECT count(*) AS pending, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS oldest "
                        + "FROM outbox_event WHERE published_at IS NULL").execute()
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return HealthCheckResponse.named("Outbox backlog").up()
                            .withData("pending", row.getLong("pending"))
                            .withData("oldestPendingSeconds", Math.round(row.getDouble("oldest")))
                            .build();
                })
                .onFailure().recoverWithItem(e -> HealthCheckResponse.named("Outbox backlog").down()
                        .withData("error", String.valueOf(e.getMessage())).build());
    }
}
