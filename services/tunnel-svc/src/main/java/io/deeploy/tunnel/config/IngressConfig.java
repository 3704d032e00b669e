package io.deeploy.tunnel.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How the built-in ingress names apps: {@code http://<alias>.<base-domain>:<port>/} or {@code /apps/<alias>/}. */
@ConfigMapping(prefix = "deeploy.ingress")
public interface IngressConfig {

    @WithDefault("apps.localhost")
    String baseDomain();

    /** Port of the built-in ingress, also the port in app URLs. */
    @WithDefault("8080")
    int port();

    /** Interface the ingress binds to; loopback unless a deployment exposes it deliberately. */
    @WithDefault("127.0.0.1")
    String host();
}
