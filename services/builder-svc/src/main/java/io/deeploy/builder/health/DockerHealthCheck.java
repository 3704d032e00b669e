package io.deeploy.builder.health;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Version;
import io.deeploy.builder.config.DockerConfig;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** An agent without its Docker engine can run nothing: not ready. */
@Readiness
@ApplicationScoped
@Blocking
public class DockerHealthCheck implements HealthCheck {

    private final DockerClient docker;
    private final DockerConfig config;

    public DockerHealthCheck(DockerClient docker, DockerConfig config) {
        this.docker = docker;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        try {
            Version version = docker.versionCmd().exec();
            return HealthCheckResponse.named("Docker engine").up()
                    .withData("host", config.host()).withData("version", version.getVersion()).build();
        } catch (RuntimeException e) {
            return HealthCheckResponse.named("Docker engine").down()
                    .withData("host", config.host()).withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
