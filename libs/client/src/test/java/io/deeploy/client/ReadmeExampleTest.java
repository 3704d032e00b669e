package io.deeploy.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README shows the SDK example that {@link ReadmeExample} compiles, line for line. */
class ReadmeExampleTest {

    @Test
    void theReadmeShowsTheExampleThatCompiles() throws Exception {
        List<String> source = Files.readAllLines(Path.of("src/test/java/io/deeploy/client/ReadmeExample.java"));
        List<String> example = source.subList(source.indexOf("        // README example: begin") + 1,
                source.indexOf("        // README example: end")).stream().map(line -> line.substring(8)).toList();
        String readme = Files.readString(Path.of("../../README.md"));
        assertThat(example).isNotEmpty();
        assertThat(readme).contains(String.join("\n", example));
    }
}
