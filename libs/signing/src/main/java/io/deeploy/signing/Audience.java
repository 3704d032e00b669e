package io.deeploy.signing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The name of one Deeploy installation, which every signed request (a user's to the API, a node's to the gateway) is
 * bound to, so that a request captured at one installation is refused by every other. An operator may set it; otherwise
 * it is made at random on first start and kept in a file, never a name shared by all installations.
 */
public final class Audience {

    static final String PREFIX = "deeploy-";
    /** What an audience may be: it is written into the signed text and shown to clients, so one printable token. */
    static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{8,100}");
    private static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");

    private final String value;

    private Audience(String value) {
        this.value = value;
    }

    /** The installation's audience: {@code configured} if set, else the one kept in {@code file}, made there if need be. */
    public static Audience of(Optional<String> configured, String file) {
        try {
            return new Audience(resolve(configured, Path.of(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("no audience for this installation: " + e.getMessage(), e);
        }
    }

    public String value() {
        return value;
    }

    /** The configured audience if there is one, else the one kept in {@code file} (made there on first use). */
    public static String resolve(Optional<String> configured, Path file) throws IOException {
        if (configured.isPresent() && !configured.get().isBlank()) {
            return checked(configured.get().strip(), "the configured audience");
        }
        return loadOrCreate(file);
    }

    /** The audience kept in {@code file}; made at random when there is none. Safe for services starting together. */
    public static String loadOrCreate(Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        try {
            Path created = Files.createFile(absolute, PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE));
            String fresh = PREFIX + HexFormat.of().formatHex(random());
            Files.writeString(created, fresh + "\n", StandardCharsets.UTF_8);
            return fresh;
        } catch (FileAlreadyExistsException exists) {
            // Another service of this installation may be writing it this instant: wait for its content.
            for (int attempt = 0; attempt < 50; attempt++) {
                String kept = Files.readString(absolute, StandardCharsets.UTF_8).strip();
                if (!kept.isEmpty()) {
                    return checked(kept, absolute.toString());
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            throw new IOException(absolute + " is empty: remove it to make a new audience, or set deeploy.audience");
        }
    }

    private static byte[] random() {
        byte[] bytes = new byte[12];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static String checked(String audience, String source) throws IOException {
        if (!VALID.matcher(audience).matches()) {
            throw new IOException(source + " is not a valid audience: 8-100 letters, digits, '.', '_', ':' or '-'");
        }
        return audience;
    }
}
