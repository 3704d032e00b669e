package io.deeploy.project.config;

import io.deeploy.signing.Audience;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** This installation's audience, which every signed API request must name. */
public class AudienceProducer {

    @Produces
    @Singleton
    Audience audience(AuthConfig config) {
        return Audience.of(config.audience(), config.audienceFile());
    }
}
