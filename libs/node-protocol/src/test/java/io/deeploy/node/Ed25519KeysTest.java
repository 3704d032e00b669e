package io.deeploy.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Ed25519KeysTest {

    @TempDir
    Path dir;

    @Test
    void aKeyIsMadeOnceOwnerOnlyAndReadBackTheSame() throws Exception {
        Path file = dir.resolve("keys").resolve("node.key");
        KeyPair made = Ed25519Keys.loadOrCreate(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(Ed25519Keys.publicKeyFile(file)).strip()).isEqualTo(Ed25519Keys.encode(made.getPublic()));
        KeyPair again = Ed25519Keys.loadOrCreate(file);
        assertThat(again.getPublic()).isEqualTo(made.getPublic());
        assertThat(again.getPrivate().getEncoded()).isEqualTo(made.getPrivate().getEncoded());
        try (var leftovers = Files.list(file.getParent())) {
            assertThat(leftovers.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("node.key", "node.key.pub");
        }
    }

    @Test
    void aKeyFileFoundReadableByOthersIsTightened() throws Exception {
        Path file = dir.resolve("node.key");
        Ed25519Keys.loadOrCreate(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Ed25519Keys.loadOrCreate(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void aKeyFileWhoseHalvesDoNotMatchIsRefused() throws Exception {
        Path file = dir.resolve("node.key");
        Ed25519Keys.loadOrCreate(file);
        String other = Ed25519Keys.encode(Ed25519Keys.generate().getPublic());
        String text = Files.readString(file).replaceAll("public: .*", "public: " + other);
        Files.writeString(file, text);
        assertThatThrownBy(() -> Ed25519Keys.loadOrCreate(file)).hasMessageContaining("not the private key's");
    }

    @Test
    void publicKeysRoundTripAndJunkIsRefused() {
        KeyPair keys = Ed25519Keys.generate();
        assertThat(Ed25519Keys.decodePublic(Ed25519Keys.encode(keys.getPublic()))).isEqualTo(keys.getPublic());
        for (String bad : new String[] {null, "", "abc", "MCowBQYDK2VwAyEA", "x".repeat(300)}) {
            assertThatThrownBy(() -> Ed25519Keys.decodePublic(bad)).as(String.valueOf(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
