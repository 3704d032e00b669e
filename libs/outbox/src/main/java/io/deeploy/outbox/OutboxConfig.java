package io.deeploy.outbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "deeploy.outbox")
public interface OutboxConfig {

    /** Whether this instance relays its outbox to Kafka (off only to hold events back in tests). */
    @WithDefault("true")
    boolean relayEnabled();

    /** How often the relay looks for unpublished events. */
    @WithDefault("100ms")
    Duration pollInterval();

    /** Most events published per relay pass. */
    @WithDefault("200")
    int batchSize();

    /** How long published events stay in the outbox for inspection. */
    @WithDefault("P3D")
    Duration publishedRetention();

    /** How long processed event ids are kept; must exceed the topics' retention so a replay is still recognised. */
    @WithDefault("P14D")
    Duration processedRetention();

    /** Retries of a consumer effect that failed for a reason other than a bad event. */
    @WithDefault("5")
    int consumerRetries();
}
