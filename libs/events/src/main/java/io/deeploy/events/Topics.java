package io.deeploy.events;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Topic names used in code. The declaration with partition counts lives in {@code deeploy-topics.txt}, which the
 * infrastructure scripts read to create the topics; {@link #declared()} exposes it and a test keeps the two in step.
 */
public final class Topics {

    public static final String JOB_EVENTS = "deeploy.job-events";
    public static final String NODE_EVENTS = "deeploy.node-events";
    public static final String ESCROW_EVENTS = "deeploy.escrow-events";
    public static final String DEAD_LETTER = "deeploy.dead-letter";

    static final String DECLARATION_RESOURCE = "deeploy-topics.txt";

    private static final Map<String, Integer> DECLARED = load();

    private Topics() {
    }

    /** Topic name to partition count, in declaration order. */
    public static Map<String, Integer> declared() {
        return DECLARED;
    }

    private static Map<String, Integer> load() {
        InputStream in = Topics.class.getClassLoader().getResourceAsStream(DECLARATION_RESOURCE);
        if (in == null) {
            throw new IllegalStateException(DECLARATION_RESOURCE + " is missing from the classpath");
        }
        Map<String, Integer> topics = new LinkedHashMap<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                String[] parts = trimmed.split("\\s+");
                if (parts.length != 2) {
                    throw new IllegalStateException("bad line in " + DECLARATION_RESOURCE + ": " + line);
                }
                topics.put(parts[0], Integer.parseInt(parts[1]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Collections.unmodifiableMap(topics);
    }
}
