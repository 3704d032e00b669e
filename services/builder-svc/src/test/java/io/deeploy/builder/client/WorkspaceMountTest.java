package io.deeploy.builder.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a mount's options from a mountinfo table, as the kernel writes it (proc(5)). */
class WorkspaceMountTest {

    @Test
    void theTopmostMountAtThePathGivesTheOptionsAndEscapedPathsAreRead(@TempDir Path dir) throws Exception {
        Path mountinfo = dir.resolve("mountinfo");
        Files.writeString(mountinfo, String.join("\n",
                "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
                "40 22 8:1 /srv/node/jobs /srv/node/jobs rw,relatime shared:1 - ext4 /dev/sda1 rw",
                "41 40 8:1 /srv/node/jobs /srv/node/jobs rw,nosuid,nodev,relatime shared:1 - ext4 /dev/sda1 rw",
                "42 22 8:1 /a\\040b /srv/my\\040node/jobs rw,nosuid,nodev - ext4 /dev/sda1 rw",
                "43 22 8:1 /srv/node/jobs/x /srv/node/jobs/x rw - ext4 /dev/sda1 rw") + "\n");

        assertThat(WorkspaceMount.options(mountinfo, Path.of("/srv/node/jobs"))).contains("nosuid", "nodev");
        assertThat(WorkspaceMount.options(mountinfo, Path.of("/srv/my node/jobs"))).contains("nosuid", "nodev");
        assertThat(WorkspaceMount.options(mountinfo, Path.of("/srv/node"))).isEmpty();
        assertThat(WorkspaceMount.unescape("/a\\134b\\011c")).isEqualTo("/a\\b\tc");
    }
}
