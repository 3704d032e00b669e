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

    /** The JDK's Ed25519 and this one sign the same way (RFC 8032 is deterministic) and accept each other's signatures. */
    @Test
    void signaturesAreTheJdksOwn() throws Exception {
        KeyPair keys = Ed25519Keys.generate();
        byte[] message = "deeploy node request v1".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.security.Signature jdk = java.security.Signature.getInstance("Ed25519");
        jdk.initSign(keys.getPrivate());
        jdk.update(message);
        byte[] byJdk = jdk.sign();
        assertThat(Ed25519Keys.sign(keys.getPrivate(), message)).isEqualTo(byJdk);
        assertThat(Ed25519Keys.verify(keys.getPublic(), message, byJdk)).isTrue();
        byte[] tampered = byJdk.clone();
        tampered[10] ^= 1;
        assertThat(Ed25519Keys.verify(keys.getPublic(), message, tampered)).isFalse();
        assertThat(Ed25519Keys.verify(Ed25519Keys.generate().getPublic(), message, byJdk)).isFalse();
        assertThat(Ed25519Keys.verify(keys.getPublic(), message, new byte[3])).isFalse();
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
