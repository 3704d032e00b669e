package io.deeploy.project.service;

import io.deeploy.project.config.SecretsConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM encryption of secrets at rest, with a key id per ciphertext so that keys can rotate. The associated data
 * names the secret's owner and purpose (job id and secret name), so a ciphertext copied to another row does not
 * decrypt. Nonces are 96 random bits: with at most a few million secrets per key the collision risk is negligible.
 */
@ApplicationScoped
public class SecretCipher {

    static final int KEY_BYTES = 32;
    static final int NONCE_BYTES = 12;
    static final int TAG_BITS = 128;
    static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,40}");

    /** A secret as stored: which key, which nonce, and the ciphertext with its tag. */
    public record Sealed(String keyId, byte[] nonce, byte[] ciphertext) {
    }

    private final SecureRandom random = new SecureRandom();
    private final Map<String, SecretKey> keys;
    private final String primaryKeyId;

    @Inject
    public SecretCipher(SecretsConfig config) {
        this(loadKeyRing(Path.of(config.keyFile()), config.createKeyFile()));
    }

    SecretCipher(Map<String, SecretKey> keys) {
        if (keys.isEmpty()) {
            throw new IllegalStateException("the secrets key ring holds no key");
        }
        this.keys = Map.copyOf(keys);
        this.primaryKeyId = List.copyOf(keys.keySet()).get(keys.size() - 1);
    }

    public String primaryKeyId() {
        return primaryKeyId;
    }

    public Sealed seal(String plaintext, String context) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(primaryKeyId), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return new Sealed(primaryKeyId, nonce, cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt a secret", e);
        }
    }

    /** The plaintext; fails if the key is unknown or the ciphertext, nonce or context was altered. */
    public String open(Sealed sealed, String context) {
        SecretKey key = keys.get(sealed.keyId());
        if (key == null) {
            throw new IllegalStateException("secret encrypted under unknown key '" + sealed.keyId() + "'");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed.nonce()));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(sealed.ciphertext()), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("secret does not authenticate under key '" + sealed.keyId() + "'", e);
        }
    }

    /** Reads the key ring, creating it with one fresh key (owner-only permissions) when allowed and absent. */
    static Map<String, SecretKey> loadKeyRing(Path file, boolean create) {
        try {
            if (!Files.exists(file)) {
                if (!create) {
                    throw new IllegalStateException("secrets key file " + file + " does not exist");
                }
                Files.createDirectories(file.toAbsolutePath().getParent());
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, newKeyLine("k1"), StandardOpenOption.APPEND);
            }
            return parseKeyRing(Files.readAllLines(file), file.toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read secrets key file " + file + ": " + e.getMessage(), e);
        }
    }

    static Map<String, SecretKey> parseKeyRing(List<String> lines, String source) {
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            byte[] material;
            try {
                material = parts.length == 2 ? Base64.getDecoder().decode(parts[1]) : null;
            } catch (IllegalArgumentException e) {
                material = null;
            }
            // The message names the line, never its content: the content is the key.
            if (material == null || material.length != KEY_BYTES || !KEY_ID.matcher(parts[0]).matches()) {
                throw new IllegalStateException(source + " line " + (i + 1) + " is not '<key-id> <base64 of 32 bytes>'");
            }
            if (keys.remove(parts[0]) != null) {
                throw new IllegalStateException(source + " line " + (i + 1) + " repeats key id " + parts[0]);
            }
            keys.put(parts[0], new SecretKeySpec(material, "AES"));
        }
        return keys;
    }

    /** A key ring line with fresh key material, for installs and rotation. */
    public static String newKeyLine(String keyId) {
        byte[] material = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(material);
        return keyId + " " + Base64.getEncoder().encodeToString(material) + "\n";
    }
}
