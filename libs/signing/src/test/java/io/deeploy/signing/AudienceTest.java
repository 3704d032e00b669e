package io.deeploy.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AudienceTest {

    @TempDir
    Path dir;

    @Test
    void twoInstallationsNeverShareAnAudienceAndOneKeepsItsOwn() throws IOException {
        String one = Audience.resolve(Optional.empty(), dir.resolve("one/audience"));
        String other = Audience.resolve(Optional.empty(), dir.resolve("other/audience"));
        assertThat(one).startsWith("deeploy-").isNotEqualTo(other).isNotEqualTo("deeploy");
        // Restarted (or a second service of the same installation): the same audience.
        assertThat(Audience.resolve(Optional.empty(), dir.resolve("one/audience"))).isEqualTo(one);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("one/audience")))).isEqualTo("rw-------");
    }

    @Test
    void anOperatorsChoiceWinsIfItIsAValidToken() throws IOException {
        assertThat(Audience.resolve(Optional.of("deeploy-prod-eu"), dir.resolve("unused"))).isEqualTo("deeploy-prod-eu");
        assertThat(dir.resolve("unused")).doesNotExist();
        assertThatThrownBy(() -> Audience.resolve(Optional.of("two words\nDeeploy: x"), dir.resolve("a"))).isInstanceOf(IOException.class);
        Files.writeString(dir.resolve("bad"), "\n");
        assertThatThrownBy(() -> Audience.loadOrCreate(dir.resolve("bad"))).hasMessageContaining("empty");
    }
}
