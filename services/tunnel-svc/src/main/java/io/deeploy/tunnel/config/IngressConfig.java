package io.deeploy.tunnel.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How the built-in ingress names apps: {@code http://<alias>.<base-domain>:<port>/} or {@code /apps/<alias>/}. */
@ConfigMapping(prefix = "deeploy.ingress")
public interface IngressConfig {

    @WithDefault("apps.localhost")
    String baseDomain();

    @WithDefault("8080")
    int port();
}
