package io.deeploy.scheduler.config;

import io.deeploy.signing.Audience;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** This installation's audience, which every node request must be signed for. */
public class AudienceProducer {

    @Produces
    @Singleton
    Audience audience(GatewayConfig config) {
        return Audience.of(config.audience(), config.audienceFile());
    }
}
