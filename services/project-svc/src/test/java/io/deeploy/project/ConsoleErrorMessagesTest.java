package io.deeploy.project;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The console explains every error code the API can answer: each code written in this service's sources (its refusals)
 * and in escrow-svc's REST layer (whose 4xx refusals this API passes on) has a message in the console's catalogue, so a
 * new code without one fails this module's build.
 */
class ConsoleErrorMessagesTest {

    static final Pattern CODE_LITERAL = Pattern.compile("\"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\"");
    static final Pattern CATALOGUE_ENTRY = Pattern.compile("(?m)^  ([A-Z][A-Z0-9_]+): ");

    @Test
    void everyErrorCodeHasAMessageInTheConsole() throws IOException {
        Set<String> codes = new TreeSet<>();
        codes.addAll(codesIn(Path.of("src", "main", "java")));
        codes.addAll(codesIn(Path.of("..", "escrow-svc", "src", "main", "java", "io", "deeploy", "escrow", "rest")));
        assertThat(codes).contains("JOB_TYPE_TOO_SMALL", "SESSION_SCOPE", "ESCROW_UNAVAILABLE", "ALIAS_TAKEN");

        Set<String> explained = new TreeSet<>();
        Matcher entry = CATALOGUE_ENTRY.matcher(Files.readString(Path.of("src", "main", "console", "src", "errors.js")));
        while (entry.find()) {
            explained.add(entry.group(1));
        }
        assertThat(explained).as("codes without a message in src/main/console/src/errors.js").containsAll(codes);
    }

    static Set<String> codesIn(Path root) throws IOException {
        Set<String> codes = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher literal = CODE_LITERAL.matcher(Files.readString(file));
                while (literal.find()) {
                    codes.add(literal.group(1));
                }
            }
        }
        return codes;
    }
}
