package io.deeploy.builder.config;

import io.smallrye.config.ConfigMapping;

@ConfigMapping(prefix = "deeploy.docker")
public interface DockerConfig {

    /** The engine's endpoint, e.g. unix:///path/docker.sock. */
    String host();
}
