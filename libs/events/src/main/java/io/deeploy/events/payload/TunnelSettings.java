package io.deeploy.events.payload;

/**
 * How a job is reached from outside besides the built-in ingress. {@code engine} is {@value #BUILTIN} (the ingress
 * only, as when the spec has no tunnel at all), {@value #CLOUDFLARE} or {@value #NGROK}; the agent of each node that
 * runs the app starts the engine beside it. {@code hostname} is the public name of a named Cloudflare tunnel or the
 * reserved ngrok domain, or null. The engine's token never travels in events: {@code tokenRef} names the encrypted job
 * secret that holds it (null for a Cloudflare quick tunnel, which needs none).
 */
public record TunnelSettings(String engine, String hostname, String tokenRef) {

    public static final String BUILTIN = "builtin";
    public static final String CLOUDFLARE = "cloudflare";
    public static final String NGROK = "ngrok";
    /** The job secret that holds an engine's token. */
    public static final String TOKEN_SECRET = "tunnel.token";

    /** True when an agent has an engine process to run for {@code settings} (which may be null, the built-in case). */
    public static boolean needsProcess(TunnelSettings settings) {
        return settings != null && (CLOUDFLARE.equals(settings.engine()) || NGROK.equals(settings.engine()));
    }
}
