package io.deeploy.builder.client;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import io.deeploy.builder.config.DockerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;
import java.time.Duration;

/** One Docker client for the agent, talking to the node's engine. */
@ApplicationScoped
public class DockerClientProducer {

    @Produces
    @ApplicationScoped
    DockerClient dockerClient(DockerConfig config) {
        DefaultDockerClientConfig clientConfig = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(config.host())
                .build();
        ZerodepDockerHttpClient http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(clientConfig.getDockerHost())
                .connectionTimeout(Duration.ofSeconds(5))
                .responseTimeout(Duration.ofMinutes(5))
                .maxConnections(20)
                .build();
        return DockerClientImpl.getInstance(clientConfig, http);
    }

    void close(@Disposes DockerClient client) throws IOException {
        client.close();
    }
}
