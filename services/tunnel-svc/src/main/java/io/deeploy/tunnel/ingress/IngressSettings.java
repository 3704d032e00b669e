package io.deeploy.tunnel.ingress;

import java.nio.file.Path;
import java.util.Map;

/**
 * How the ingress process serves: the defaults here are the only ones, also for tunnel-svc's {@code deeploy.ingress.*}
 * settings, so the service that writes the routes and the process that serves them agree on names and places.
 *
 * @param baseDomain apps are at {@code http://<alias>.<baseDomain>:<port>/}
 * @param host       the interface it binds; loopback unless a deployment exposes it deliberately
 * @param pathRoutes whether apps are also at {@code /apps/<alias>/} (one shared browser origin: single-tenant setups)
 * @param routesFile the table tunnel-svc writes ({@link RouteSnapshot})
 */
public record IngressSettings(String baseDomain, String host, int port, boolean pathRoutes, Path routesFile) {

    public static final String DEFAULT_BASE_DOMAIN = "apps.localhost";
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final String DEFAULT_PORT = "8080";
    public static final String DEFAULT_PATH_ROUTES = "false";
    public static final String DEFAULT_ROUTES_FILE = "${java.io.tmpdir}/deeploy-ingress/routes";

    /** From the environment: {@code DEEPLOY_INGRESS_BASE_DOMAIN}, {@code _HOST}, {@code _PORT}, {@code _PATH_ROUTES}, {@code _ROUTES_FILE}. */
    public static IngressSettings fromEnvironment(Map<String, String> env) {
        String file = env.getOrDefault("DEEPLOY_INGRESS_ROUTES_FILE",
                DEFAULT_ROUTES_FILE.replace("${java.io.tmpdir}", System.getProperty("java.io.tmpdir")));
        String port = env.getOrDefault("DEEPLOY_INGRESS_PORT", DEFAULT_PORT);
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException("DEEPLOY_INGRESS_PORT is a port number, not '" + port + "'");
        }
        return new IngressSettings(env.getOrDefault("DEEPLOY_INGRESS_BASE_DOMAIN", DEFAULT_BASE_DOMAIN),
                env.getOrDefault("DEEPLOY_INGRESS_HOST", DEFAULT_HOST), Integer.parseInt(port),
                Boolean.parseBoolean(env.getOrDefault("DEEPLOY_INGRESS_PATH_ROUTES", DEFAULT_PATH_ROUTES)), Path.of(file));
    }
}
