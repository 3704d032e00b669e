package io.deeploy.builder.service;

import io.deeploy.events.payload.TunnelSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How one engine's sidecar container is started for an app and how its output says that it serves, kept apart from the
 * container handling so that it can be checked line by line. The sidecar shares the app container's network namespace,
 * so the engine reaches the app on the app's own port on 127.0.0.1, which there is the app's loopback, not the node's.
 * The token is handed over in the environment only: a command line shows in every listing of the node's processes and
 * containers, and the agent logs command lines.
 *
 * @param image     the engine's image, whose entrypoint is the engine binary
 * @param args      the engine's arguments (after its binary), without any secret
 * @param env       the whole environment given to the container: the token, if any, and nothing of the agent's
 * @param knownUrl  the public URL when it is known in advance (a named tunnel's hostname, an ngrok domain), else null
 */
record TunnelEngine(String engine, String image, List<String> args, Map<String, String> env, String knownUrl) {

    static final String CLOUDFLARED_TOKEN_ENV = "TUNNEL_TOKEN";
    static final String NGROK_TOKEN_ENV = "NGROK_AUTHTOKEN";
    static final String REDACTED = "[redacted]";

    /** A quick tunnel's name; the API host that cloudflared asks for one (and names in its errors) is not one. */
    private static final Pattern QUICK_URL = Pattern.compile("https://((?!api\\.)[a-z0-9-]+)\\.trycloudflare\\.com\\b");
    private static final Pattern NGROK_URL = Pattern.compile("\\burl=(https?://[^\\s\"]+)");

    /** {@code image} is the configured cloudflared or ngrok image; {@code appPort} the app's port inside its container. */
    static TunnelEngine of(TunnelSettings settings, String token, String image, int appPort) {
        String origin = "http://127.0.0.1:" + appPort;
        if (TunnelSettings.CLOUDFLARE.equals(settings.engine())) {
            // A metrics listener on a port of its own: the fixed default range may be one the app listens on.
            if (token == null) {
                return new TunnelEngine(settings.engine(), image, List.of("tunnel", "--no-autoupdate", "--metrics", "127.0.0.1:0",
                        "--url", origin), Map.of(), null);
            }
            return new TunnelEngine(settings.engine(), image, List.of("tunnel", "--no-autoupdate", "--metrics", "127.0.0.1:0", "run",
                    "--url", origin), Map.of(CLOUDFLARED_TOKEN_ENV, token), "https://" + settings.hostname());
        }
        if (TunnelSettings.NGROK.equals(settings.engine())) {
            if (token == null) {
                throw new IllegalArgumentException("ngrok needs an authtoken");
            }
            List<String> args = new ArrayList<>(List.of("http", origin, "--log", "stdout", "--log-format", "logfmt",
                    "--inspect=false"));
            if (settings.hostname() != null) {
                args.add("--domain");
                args.add(settings.hostname());
            }
            return new TunnelEngine(settings.engine(), image, List.copyOf(args), Map.of(NGROK_TOKEN_ENV, token),
                    settings.hostname() == null ? null : "https://" + settings.hostname());
        }
        throw new IllegalArgumentException("no engine runs for tunnel " + settings.engine());
    }

    /** The setting that names this engine's image, for a message that says what to fix. */
    String imageSetting() {
        return TunnelSettings.CLOUDFLARE.equals(engine) ? "deeploy.tunnel.cloudflared-image" : "deeploy.tunnel.ngrok-image";
    }

    /**
     * The public URL that {@code line} of the engine's output announces as serving, or null. cloudflared: a quick
     * tunnel prints its https://*.trycloudflare.com name in a box; a named tunnel prints no name, and serves at its
     * hostname once a connection to the edge is registered. ngrok (logfmt): the "started tunnel" record's url.
     */
    String readyUrl(String line) {
        if (TunnelSettings.CLOUDFLARE.equals(engine)) {
            if (knownUrl != null) {
                return line.contains("Registered tunnel connection") ? knownUrl : null;
            }
            if (line.contains(" ERR ")) {
                return null;
            }
            Matcher quick = QUICK_URL.matcher(line);
            return quick.find() ? quick.group() : null;
        }
        if (!line.contains("msg=\"started tunnel\"")) {
            return null;
        }
        Matcher url = NGROK_URL.matcher(line);
        return url.find() ? url.group(1) : knownUrl;
    }

    /** {@code text} without any occurrence of {@code token}, fit for a log line or an event. */
    static String redact(String text, String token) {
        return token == null || token.isEmpty() || text == null ? text : text.replace(token, REDACTED);
    }
}
