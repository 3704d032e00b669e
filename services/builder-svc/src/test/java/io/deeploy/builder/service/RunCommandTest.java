package io.deeploy.builder.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RunCommandTest {

    @Test
    void aSimpleCommandIsExecdSoTheAppGetsTheStopSignal() {
        assertThat(AppLauncher.runCommand(List.of("pip install -r requirements.txt", "python3 -m http.server 8000")))
                .containsExactly("sh", "-c", "exec python3 -m http.server 8000");
    }

    @Test
    void aCompoundCommandRunsUnderTheShell() {
        assertThat(AppLauncher.runCommand(List.of("cd /site && python3 -m http.server 8000")))
                .containsExactly("sh", "-c", "cd /site && python3 -m http.server 8000");
        assertThat(AppLauncher.runCommand(List.of("node server.js | tee log"))).containsExactly("sh", "-c", "node server.js | tee log");
        assertThat(AppLauncher.runCommand(List.of("serve --port $PORT"))).containsExactly("sh", "-c", "serve --port $PORT");
    }

    @Test
    void noCommandKeepsTheImagesOwn() {
        assertThat(AppLauncher.runCommand(List.of())).isEmpty();
    }
}
