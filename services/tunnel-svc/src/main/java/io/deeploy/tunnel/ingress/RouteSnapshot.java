package io.deeploy.tunnel.ingress;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The routes the ingress serves, as tunnel-svc hands them to the ingress process: a file that tunnel-svc replaces whole
 * (written beside it, then renamed over it) after each change, and that the ingress keeps serving from while tunnel-svc
 * is down. One line per target, {@code <alias> <host> <port>}, after a first line naming the format.
 */
public record RouteSnapshot(Map<String, List<Target>> byAlias) {

    public record Target(String host, int port) {
    }

    public static final RouteSnapshot EMPTY = new RouteSnapshot(Map.of());
    static final String HEADER = "deeploy-routes 1";
    private static final Pattern ALIAS = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\[\\]-]{1,253}");

    public RouteSnapshot {
        Map<String, List<Target>> copy = new LinkedHashMap<>();
        byAlias.forEach((alias, targets) -> copy.put(alias, List.copyOf(targets)));
        byAlias = Map.copyOf(copy);
    }

    public int aliases() {
        return byAlias.size();
    }

    public String format() {
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        byAlias.keySet().stream().sorted().forEach(alias -> byAlias.get(alias).forEach(target ->
                text.append(alias).append(' ').append(target.host()).append(' ').append(target.port()).append('\n')));
        return text.toString();
    }

    /** The snapshot a file's text holds; a text of another format, or with a malformed line, is refused whole. */
    public static RouteSnapshot parse(String text) {
        String[] lines = text.split("\n");
        if (lines.length == 0 || !lines[0].equals(HEADER)) {
            throw new IllegalArgumentException("not a route file (its first line is not '" + HEADER + "')");
        }
        Map<String, List<Target>> byAlias = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isEmpty()) {
                continue;
            }
            String[] fields = lines[i].split(" ");
            if (fields.length != 3 || !ALIAS.matcher(fields[0]).matches() || !HOST.matcher(fields[1]).matches()
                    || !fields[2].matches("[0-9]{1,5}") || Integer.parseInt(fields[2]) > 65535) {
                throw new IllegalArgumentException("line " + (i + 1) + " of the route file is not '<alias> <host> <port>'");
            }
            byAlias.computeIfAbsent(fields[0], alias -> new ArrayList<>()).add(new Target(fields[1], Integer.parseInt(fields[2])));
        }
        return new RouteSnapshot(byAlias);
    }

    public static RouteSnapshot read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    /**
     * Replaces {@code file} with this snapshot in one step: a reader sees the old table or the new one, never half of
     * one. Readable by its owner only (the table names every app's node and port).
     */
    public void writeTo(Path file) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path next = Files.createTempFile(directory, file.getFileName().toString(), ".next",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(next, format(), StandardCharsets.UTF_8);
            Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(next);
        }
    }
}
