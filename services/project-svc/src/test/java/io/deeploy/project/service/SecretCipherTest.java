package io.deeploy.project.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretCipherTest {

    static SecretCipher cipher(String... lines) {
        return new SecretCipher(SecretCipher.parseKeyRing(List.of(lines), "test"));
    }

    static final String K1 = SecretCipher.newKeyLine("k1").strip();
    static final String K2 = SecretCipher.newKeyLine("k2").strip();

    @Test
    void aSealedSecretOpensOnlyInItsOwnContext() {
        SecretCipher cipher = cipher(K1);
        SecretCipher.Sealed sealed = cipher.seal("ghp_token", "job-1/vcs.token");
        assertThat(sealed.keyId()).isEqualTo("k1");
        assertThat(new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1)).doesNotContain("ghp_token");
        assertThat(cipher.open(sealed, "job-1/vcs.token")).isEqualTo("ghp_token");
        assertThatThrownBy(() -> cipher.open(sealed, "job-2/vcs.token")).hasMessageContaining("does not authenticate");
    }

    @Test
    void anAlteredCiphertextOrNonceIsRefused() {
        SecretCipher cipher = cipher(K1);
        SecretCipher.Sealed sealed = cipher.seal("value", "ctx");
        byte[] flipped = Arrays.copyOf(sealed.ciphertext(), sealed.ciphertext().length);
        flipped[0] ^= 1;
        assertThatThrownBy(() -> cipher.open(new SecretCipher.Sealed("k1", sealed.nonce(), flipped), "ctx"))
                .isInstanceOf(IllegalStateException.class);
        byte[] nonce = Arrays.copyOf(sealed.nonce(), sealed.nonce().length);
        nonce[0] ^= 1;
        assertThatThrownBy(() -> cipher.open(new SecretCipher.Sealed("k1", nonce, sealed.ciphertext()), "ctx"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void twoSealsOfOneValueDiffer() {
        SecretCipher cipher = cipher(K1);
        assertThat(cipher.seal("same", "ctx").ciphertext()).isNotEqualTo(cipher.seal("same", "ctx").ciphertext());
    }

    @Test
    void afterRotationTheNewestKeySealsAndOlderKeysStillOpen() {
        SecretCipher.Sealed old = cipher(K1).seal("value", "ctx");
        SecretCipher rotated = cipher(K1, K2);
        assertThat(rotated.primaryKeyId()).isEqualTo("k2");
        assertThat(rotated.open(old, "ctx")).isEqualTo("value");
        assertThat(rotated.seal("value", "ctx").keyId()).isEqualTo("k2");
        assertThatThrownBy(() -> cipher(K2).open(old, "ctx")).hasMessageContaining("unknown key 'k1'");
    }

    @Test
    void aBadKeyRingIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> cipher("k1 c2hvcnQ=")).hasMessageContaining("line 1").hasMessageNotContaining("c2hvcnQ");
        assertThatThrownBy(() -> cipher("# comment", K1, K1)).hasMessageContaining("line 3 repeats key id k1");
        assertThatThrownBy(() -> cipher("# only a comment")).hasMessageContaining("no key");
    }

    @Test
    void aMissingKeyFileIsCreatedOwnerOnlyWhenAllowed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys/secrets.keys");
        assertThatThrownBy(() -> SecretCipher.loadKeyRing(file, false)).hasMessageContaining("does not exist");
        assertThat(SecretCipher.loadKeyRing(file, true)).containsOnlyKeys("k1");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        // Read again, the same key opens what the first load sealed.
        SecretCipher first = new SecretCipher(SecretCipher.loadKeyRing(file, true));
        SecretCipher second = new SecretCipher(SecretCipher.loadKeyRing(file, true));
        assertThat(second.open(first.seal("v", "c"), "c")).isEqualTo("v");
    }
}
