package io.deeploy.builder.health;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Version;
import io.deeploy.builder.client.ContainerRoot;
import io.deeploy.builder.config.DockerConfig;
import io.deeploy.builder.config.NodeConfig;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * An agent without its Docker engine can run nothing, and one whose engine would run jobs as the node's root must not
 * (unless its operator allowed it): not ready.
 */
@Readiness
@ApplicationScoped
@Blocking
public class DockerHealthCheck implements HealthCheck {

    private final DockerClient docker;
    private final DockerConfig config;
    private final ContainerRoot root;
    private final boolean userNamespacesRequired;

    public DockerHealthCheck(DockerClient docker, DockerConfig config, ContainerRoot root, NodeConfig node) {
        this.docker = docker;
        this.config = config;
        this.root = root;
        this.userNamespacesRequired = node.requireUserNamespaces();
    }

    @Override
    public HealthCheckResponse call() {
        try {
            Version version = docker.versionCmd().exec();
            ContainerRoot.Remapped remapped = root.remapped();
            return HealthCheckResponse.named("Docker engine").status(remapped != null || !userNamespacesRequired)
                    .withData("host", config.host()).withData("version", version.getVersion())
                    .withData("containerRoot", remapped == null ? "the node's root (no user-namespace remapping)"
                            : "uid " + remapped.uid() + " of the node").build();
        } catch (RuntimeException e) {
            return HealthCheckResponse.named("Docker engine").down()
                    .withData("host", config.host()).withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
