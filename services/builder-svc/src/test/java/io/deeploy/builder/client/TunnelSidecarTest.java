package io.deeploy.builder.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TunnelSidecarTest {

    static final String TOKEN = "eyJhIjoiYWNjb3VudCIsInQiOiJ0dW5uZWwtdXVpZCIsInMiOiJzZWNyZXQifQ==";

    static TunnelContainers.Sidecar sidecar(String appContainerId, String token, List<String> args) {
        return new TunnelContainers.Sidecar("job-1", "cloudflare/cloudflared:2024.12.2", "deeploy.tunnel.cloudflared-image", args,
                token == null ? Map.of() : Map.of("TUNNEL_TOKEN", token), appContainerId);
    }

    static final List<String> ARGS = List.of("tunnel", "--no-autoupdate", "run", "--url", "http://127.0.0.1:8000");

    @Test
    void aSidecarIsTheRightOneOnlyForTheSameAppContainerArgumentsAndToken() {
        String digest = sidecar("app-1", TOKEN, ARGS).digest();
        assertThat(digest).matches("[0-9a-f]{64}").isEqualTo(sidecar("app-1", TOKEN, List.copyOf(ARGS)).digest());
        assertThat(sidecar("app-2", TOKEN, ARGS).digest()).isNotEqualTo(digest);
        assertThat(sidecar("app-1", TOKEN + "x", ARGS).digest()).isNotEqualTo(digest);
        assertThat(sidecar("app-1", null, ARGS).digest()).isNotEqualTo(digest);
        assertThat(sidecar("app-1", TOKEN, List.of("tunnel", "--no-autoupdate", "run", "--url", "http://127.0.0.1:8001")).digest())
                .isNotEqualTo(digest);
        // Parts are told apart, not just joined: moving a character from one part to the next gives another digest.
        assertThat(sidecar("app-1", TOKEN, List.of("ab", "c")).digest()).isNotEqualTo(sidecar("app-1", TOKEN, List.of("a", "bc")).digest());
        assertThat(digest).doesNotContain(TOKEN);
    }

    @Test
    void aSidecarsTextNeverShowsItsToken() {
        assertThat(sidecar("app-1", TOKEN, ARGS).toString()).doesNotContain(TOKEN).contains("TUNNEL_TOKEN");
    }

    @Test
    void outputIsCutIntoLinesPerStreamWhateverTheFramesSizes() {
        List<String> lines = new ArrayList<>();
        TunnelContainers.Lines reader = new TunnelContainers.Lines(lines::add);
        reader.onNext(frame(StreamType.STDERR, "2026-11-23T10:00:01Z INF |  https://gentle-"));
        reader.onNext(frame(StreamType.STDOUT, "probe origin ok\r\nprobe "));
        reader.onNext(frame(StreamType.STDERR, "river.trycloudflare.com  |\n"));
        reader.onNext(frame(StreamType.STDOUT, "node fail"));
        assertThat(lines).containsExactly("probe origin ok", "2026-11-23T10:00:01Z INF |  https://gentle-river.trycloudflare.com  |");
        reader.onComplete();
        assertThat(lines).endsWith("probe node fail");
    }

    static Frame frame(StreamType stream, String text) {
        return new Frame(stream, text.getBytes(StandardCharsets.UTF_8));
    }
}
