package io.deeploy.events;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Topic names used in code. The declaration with partition counts, the producing service and the consuming services
 * lives in {@code deeploy-topics.txt}, which the infrastructure scripts read to create the topics and their ACLs;
 * {@link #declared()} exposes it and a test keeps it in step with {@link EventType}.
 */
public final class Topics {

    /** Commands of the public API: a job is requested or asked to stop (project-svc). */
    public static final String JOB_COMMANDS = "deeploy.job-commands";
    /** What happens to jobs on the nodes: placements and the agents' reports, stamped by the node gateway (scheduler-svc). */
    public static final String JOB_EVENTS = "deeploy.job-events";
    /** Routes of the built-in ingress going live (tunnel-svc). */
    public static final String ROUTE_EVENTS = "deeploy.route-events";
    /** Node operators' registrations and the admins' decisions on nodes (project-svc). */
    public static final String OPERATOR_EVENTS = "deeploy.operator-events";
    /** The uptime oracle's attestations (scheduler-svc). */
    public static final String ORACLE_EVENTS = "deeploy.oracle-events";
    /** Funds on chain (escrow-svc). */
    public static final String ESCROW_EVENTS = "deeploy.escrow-events";
    public static final String DEAD_LETTER = "deeploy.dead-letter";

    /** The producer of a topic every service may write to. */
    public static final String ANY_SERVICE = "*";

    static final String DECLARATION_RESOURCE = "deeploy-topics.txt";

    /** One declared topic: its partitions, the one service that produces it and the services that consume it. */
    public record Declaration(String name, int partitions, String producer, List<String> consumers) {
    }

    private static final Map<String, Declaration> DECLARED = load();

    private Topics() {
    }

    /** Topic name to partition count, in declaration order. */
    public static Map<String, Integer> declared() {
        Map<String, Integer> partitions = new LinkedHashMap<>();
        DECLARED.forEach((name, declaration) -> partitions.put(name, declaration.partitions()));
        return Collections.unmodifiableMap(partitions);
    }

    /** The declaration of a topic, or null if it is not declared. */
    public static Declaration declaration(String topic) {
        return DECLARED.get(topic);
    }

    private static Map<String, Declaration> load() {
        InputStream in = Topics.class.getClassLoader().getResourceAsStream(DECLARATION_RESOURCE);
        if (in == null) {
            throw new IllegalStateException(DECLARATION_RESOURCE + " is missing from the classpath");
        }
        Map<String, Declaration> topics = new LinkedHashMap<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                String[] parts = trimmed.split("\\s+");
                if (parts.length != 4) {
                    throw new IllegalStateException("bad line in " + DECLARATION_RESOURCE + ": " + line);
                }
                List<String> consumers = "-".equals(parts[3]) ? List.of() : List.copyOf(Arrays.asList(parts[3].split(",")));
                topics.put(parts[0], new Declaration(parts[0], Integer.parseInt(parts[1]), parts[2], consumers));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Collections.unmodifiableMap(topics);
    }
}
