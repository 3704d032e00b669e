package io.deeploy.builder.service;

import io.deeploy.events.payload.TunnelSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How one engine process is started for an app and how its output says that it serves, kept apart from the process
 * handling so that it can be checked line by line. The token is handed over in the environment only: a command line is
 * readable by every user of the node (ps, /proc), and the agent logs command lines.
 *
 * @param argv      the command line, without any secret
 * @param env       the whole environment of the process (the agent's own is not inherited: it holds the node token)
 * @param knownUrl  the public URL when it is known in advance (a named tunnel's hostname, an ngrok domain), else null
 */
record TunnelEngine(String engine, String binary, List<String> argv, Map<String, String> env, String knownUrl) {

    static final String CLOUDFLARED_TOKEN_ENV = "TUNNEL_TOKEN";
    static final String NGROK_TOKEN_ENV = "NGROK_AUTHTOKEN";
    static final String REDACTED = "[redacted]";

    /** A quick tunnel's name; the API host that cloudflared asks for one (and names in its errors) is not one. */
    private static final Pattern QUICK_URL = Pattern.compile("https://((?!api\\.)[a-z0-9-]+)\\.trycloudflare\\.com\\b");
    private static final Pattern NGROK_URL = Pattern.compile("\\burl=(https?://[^\\s\"]+)");

    /** {@code binaryPath} is the configured cloudflared or ngrok; {@code path} the PATH it is looked up on. */
    static TunnelEngine of(TunnelSettings settings, String token, String binaryPath, int hostPort, Path home, String path) {
        String origin = "http://127.0.0.1:" + hostPort;
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", path == null || path.isBlank() ? "/usr/local/bin:/usr/bin:/bin" : path);
        env.put("HOME", home.toString());
        if (TunnelSettings.CLOUDFLARE.equals(settings.engine())) {
            // A metrics listener on a port of its own: the fixed default range is soon taken with one engine per app.
            if (token == null) {
                return new TunnelEngine(settings.engine(), binaryPath, List.of(binaryPath, "tunnel", "--no-autoupdate", "--metrics",
                        "127.0.0.1:0", "--url", origin), env, null);
            }
            env.put(CLOUDFLARED_TOKEN_ENV, token);
            return new TunnelEngine(settings.engine(), binaryPath, List.of(binaryPath, "tunnel", "--no-autoupdate", "--metrics",
                    "127.0.0.1:0", "run", "--url", origin), env, "https://" + settings.hostname());
        }
        if (TunnelSettings.NGROK.equals(settings.engine())) {
            if (token == null) {
                throw new IllegalArgumentException("ngrok needs an authtoken");
            }
            env.put(NGROK_TOKEN_ENV, token);
            List<String> argv = new java.util.ArrayList<>(List.of(binaryPath, "http", origin, "--log", "stdout", "--log-format",
                    "logfmt", "--inspect=false"));
            if (settings.hostname() != null) {
                argv.add("--domain");
                argv.add(settings.hostname());
            }
            return new TunnelEngine(settings.engine(), binaryPath, List.copyOf(argv), env,
                    settings.hostname() == null ? null : "https://" + settings.hostname());
        }
        throw new IllegalArgumentException("no process runs for tunnel engine " + settings.engine());
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
