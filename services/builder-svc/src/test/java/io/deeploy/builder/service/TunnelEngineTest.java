package io.deeploy.builder.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.deeploy.events.payload.TunnelSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

class TunnelEngineTest {

    static final String CF_TOKEN = "eyJhIjoiYWNjb3VudCIsInQiOiJ0dW5uZWwtdXVpZCIsInMiOiJzZWNyZXQifQ==";
    static final String NGROK_TOKEN = "2Xq9Ngrok_authtoken_4nq9771bPxe8ctg7LKr";
    static final String CF_IMAGE = "cloudflare/cloudflared:2024.12.2";

    static TunnelEngine quick() {
        return TunnelEngine.of(new TunnelSettings("cloudflare", null, null), null, CF_IMAGE, 8000);
    }

    static TunnelEngine named() {
        return TunnelEngine.of(new TunnelSettings("cloudflare", "app.example.org", "tunnel.token"), CF_TOKEN, CF_IMAGE, 8000);
    }

    static TunnelEngine ngrok(String domain) {
        return TunnelEngine.of(new TunnelSettings("ngrok", domain, "tunnel.token"), NGROK_TOKEN, "ngrok/ngrok:3", 8000);
    }

    @Test
    void cloudflaredRunsAQuickTunnelWithoutATokenOrANamedOneWithItsTokenInTheEnvironment() {
        // Arguments only (the image's entrypoint is the binary), towards the app's own port on its own loopback.
        assertThat(quick().args()).containsExactly("tunnel", "--no-autoupdate", "--metrics", "127.0.0.1:0", "--url",
                "http://127.0.0.1:8000");
        assertThat(quick().image()).isEqualTo(CF_IMAGE);
        assertThat(quick().env()).isEmpty();
        assertThat(named().args()).containsExactly("tunnel", "--no-autoupdate", "--metrics", "127.0.0.1:0", "run", "--url",
                "http://127.0.0.1:8000");
        assertThat(named().env()).containsOnly(entry("TUNNEL_TOKEN", CF_TOKEN));
        assertThat(named().knownUrl()).isEqualTo("https://app.example.org");
        assertThat(named().imageSetting()).isEqualTo("deeploy.tunnel.cloudflared-image");
    }

    @Test
    void ngrokGetsItsAuthtokenInTheEnvironmentAndItsDomainOnTheCommandLine() {
        assertThat(ngrok(null).args()).containsExactly("http", "http://127.0.0.1:8000", "--log", "stdout", "--log-format", "logfmt",
                "--inspect=false");
        assertThat(ngrok("my-app.ngrok.app").args()).endsWith("--domain", "my-app.ngrok.app");
        assertThat(ngrok(null).env()).containsOnly(entry("NGROK_AUTHTOKEN", NGROK_TOKEN));
        assertThat(ngrok(null).imageSetting()).isEqualTo("deeploy.tunnel.ngrok-image");
        assertThatThrownBy(() -> TunnelEngine.of(new TunnelSettings("ngrok", null, null), null, "ngrok/ngrok:3", 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TunnelEngine.of(new TunnelSettings("builtin", null, null), null, "x", 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void noTokenIsEverOnACommandLine() {
        for (TunnelEngine engine : List.of(named(), ngrok(null), ngrok("my-app.ngrok.app"))) {
            assertThat(String.join(" ", engine.args())).doesNotContain(CF_TOKEN).doesNotContain(NGROK_TOKEN).doesNotContain("--token")
                    .doesNotContain("--authtoken");
        }
    }

    @Test
    void aQuickTunnelServesAtTheNameInCloudflaredsBox() {
        TunnelEngine engine = quick();
        List<String> log = List.of(
                "2026-11-23T10:00:00Z INF Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick "
                        + "way to experiment and try it out.",
                "2026-11-23T10:00:00Z INF Requesting new quick Tunnel on trycloudflare.com...",
                "2026-11-23T10:00:01Z INF +--------------------------------------------------------------------------------------------+",
                "2026-11-23T10:00:01Z INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |",
                "2026-11-23T10:00:01Z INF |  https://gentle-river-plain-words.trycloudflare.com                                        |",
                "2026-11-23T10:00:01Z INF +--------------------------------------------------------------------------------------------+");
        assertThat(log.stream().map(engine::readyUrl).filter(url -> url != null).toList())
                .containsExactly("https://gentle-river-plain-words.trycloudflare.com");
    }

    @Test
    void cloudflaredsErrorsNameNoURL() {
        TunnelEngine engine = quick();
        assertThat(engine.readyUrl("2026-11-23T10:00:00Z ERR Error requesting new quick Tunnel error=\"failed to request quick "
                + "Tunnel: Post \\\"https://api.trycloudflare.com/tunnel\\\": dial tcp: lookup api.trycloudflare.com: no such host\""))
                .isNull();
        assertThat(engine.readyUrl("failed to request quick Tunnel: Post \"https://api.trycloudflare.com/tunnel\": EOF")).isNull();
        assertThat(engine.readyUrl("2026-11-23T10:00:00Z INF Starting metrics server on 127.0.0.1:41235/metrics")).isNull();
    }

    @Test
    void aNamedTunnelServesAtItsHostnameOnceAConnectionIsRegistered() {
        TunnelEngine engine = named();
        assertThat(engine.readyUrl("2026-11-23T10:00:00Z INF Starting tunnel tunnelID=6ff42ae2-765d-4adf-8112-31c55c1551ef")).isNull();
        assertThat(engine.readyUrl("2026-11-23T10:00:01Z INF Registered tunnel connection connIndex=0 "
                + "connection=28d3a4c4-0f2b-4a6e-9f0c-4f3a1e2b7c11 event=0 ip=198.41.200.13 location=ams08 protocol=quic"))
                .isEqualTo("https://app.example.org");
    }

    @Test
    void ngrokServesAtTheUrlOfItsStartedTunnelRecord() {
        String started = "t=2026-11-23T10:00:01+0000 lvl=info msg=\"started tunnel\" obj=tunnels name=command_line "
                + "addr=http://127.0.0.1:32768 url=https://8e00-35-197-38-167.ngrok-free.app";
        assertThat(ngrok(null).readyUrl("t=2026-11-23T10:00:00+0000 lvl=info msg=\"starting web service\" obj=web addr=127.0.0.1:4040"))
                .isNull();
        assertThat(ngrok(null).readyUrl("t=2026-11-23T10:00:00+0000 lvl=info msg=\"client session established\" obj=tunnels.session"))
                .isNull();
        assertThat(ngrok(null).readyUrl(started)).isEqualTo("https://8e00-35-197-38-167.ngrok-free.app");
        assertThat(ngrok("my-app.ngrok.app").readyUrl(started.replace("https://8e00-35-197-38-167.ngrok-free.app",
                "https://my-app.ngrok.app"))).isEqualTo("https://my-app.ngrok.app");
        assertThat(ngrok("my-app.ngrok.app").readyUrl("t=2026-11-23T10:00:01+0000 lvl=info msg=\"started tunnel\" obj=tunnels"))
                .isEqualTo("https://my-app.ngrok.app");
    }

    @Test
    void tokensAreRedactedFromWhatIsLoggedOrReported() {
        String line = "t=2026-11-23T10:00:00+0000 lvl=eror msg=\"session closing\" err=\"authentication failed: token " + NGROK_TOKEN + "\"";
        assertThat(TunnelEngine.redact(line, NGROK_TOKEN)).doesNotContain(NGROK_TOKEN).contains("[redacted]");
        assertThat(TunnelEngine.redact(line, null)).isEqualTo(line);
        assertThat(TunnelEngine.redact(null, NGROK_TOKEN)).isNull();
    }
}
