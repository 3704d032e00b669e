package io.deeploy.tunnel.config;

import io.deeploy.tunnel.ingress.IngressSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How the built-in ingress names apps ({@code http://<alias>.<base-domain>:<port>/}, and {@code /apps/<alias>/} if
 * allowed) and where tunnel-svc writes the routes that the ingress process serves. The ingress process reads the same
 * settings from its environment ({@link IngressSettings}); the defaults are its.
 */
@ConfigMapping(prefix = "deeploy.ingress")
public interface IngressConfig {

    @WithDefault(IngressSettings.DEFAULT_BASE_DOMAIN)
    String baseDomain();

    /** Port of the built-in ingress, also the port in app URLs. */
    @WithDefault(IngressSettings.DEFAULT_PORT)
    int port();

    /** Interface the ingress binds to; loopback unless a deployment exposes it deliberately. */
    @WithDefault(IngressSettings.DEFAULT_HOST)
    String host();

    /**
     * Whether apps are also served at {@code /apps/<alias>/} on the ingress's own host name, for setups without wildcard
     * DNS. Off by default: apps under one host name share one browser origin, so one app's scripts could read another's
     * cookies and storage; each app's own subdomain is its own origin.
     */
    @WithDefault(IngressSettings.DEFAULT_PATH_ROUTES)
    boolean pathRoutes();

    /** The route table file that tunnel-svc keeps up to date and the ingress process serves from. */
    @WithDefault(IngressSettings.DEFAULT_ROUTES_FILE)
    String routesFile();
}
