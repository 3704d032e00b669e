package io.deeploy.tunnel.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How the built-in ingress names apps: {@code http://<alias>.<base-domain>:<port>/} (and {@code /apps/<alias>/} if allowed). */
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

    /**
     * Whether apps are also served at {@code /apps/<alias>/} on the ingress's own host name, for setups without wildcard
     * DNS. Off by default: apps under one host name share one browser origin, so one app's scripts could read another's
     * cookies and storage; each app's own subdomain is its own origin.
     */
    @WithDefault("false")
    boolean pathRoutes();
}
