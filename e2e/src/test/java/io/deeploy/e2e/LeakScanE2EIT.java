package io.deeploy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.events.Topics;
import io.deeploy.outbox.testing.KafkaEvents;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * After every other test class of the run (ordered last, see junit-platform.properties): no secret a test handed the
 * platform ({@link LeakScan}) is in any log a service of the run wrote, at the DEBUG level they run at here, nor in any
 * record (key, value, headers) of any declared topic, each read to its end offsets. A secret is reported by where it is
 * and its start, never its value.
 */
@Order(Integer.MAX_VALUE)
class LeakScanE2EIT {

    static final Path RUN_LOGS = Path.of("target", "e2e-logs");

    @Test
    void noSecretOfTheRunIsInAnyLogOfItsServices() throws IOException {
        Set<String> secrets = registered();
        // The services' own logs of the platforms this run started, <platform>/<service>.log; not the node work
        // directories below them, whose build logs are the tenant's own output on its node, kept unmasked there until the
        // job stops, nor the logs of earlier runs that a kept target directory holds.
        List<Path> logs = new ArrayList<>();
        for (Path platform : LeakScan.logDirectories()) {
            try (Stream<Path> files = Files.list(platform)) {
                files.filter(file -> file.getFileName().toString().endsWith(".log")).forEach(logs::add);
            }
        }
        logs.sort(null);
        assertThat(logs).as("the service logs of the platforms this run started").isNotEmpty();
        List<String> found = new ArrayList<>();
        long debugLines = 0;
        for (Path log : logs) {
            String[] lines = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].contains(" DEBUG [")) {
                    debugLines++;
                }
                for (String secret : secrets) {
                    if (lines[i].contains(secret)) {
                        found.add(RUN_LOGS.relativize(log) + ":" + (i + 1) + " holds the secret " + LeakScan.describe(secret));
                    }
                }
            }
        }
        assertThat(debugLines).as("DEBUG lines in the run's logs (the services log io.deeploy at DEBUG here)").isPositive();
        assertThat(found).as("secrets in logs").isEmpty();
    }

    @Test
    void noSecretOfTheRunIsOnAnyTopic() {
        Set<String> secrets = registered();
        List<String> found = new ArrayList<>();
        try (KafkaEvents kafka = KafkaEvents.fromEnvironment()) {
            for (String topic : Topics.declared().keySet()) {
                // records() reads to the end offsets or fails: what was not read cannot pass for clean.
                for (ConsumerRecord<String, String> record : kafka.records(topic, r -> true)) {
                    String text = text(record);
                    for (String secret : secrets) {
                        if (text.contains(secret)) {
                            found.add(topic + "-" + record.partition() + "@" + record.offset() + " holds the secret "
                                    + LeakScan.describe(secret));
                        }
                    }
                }
            }
        }
        assertThat(found).as("secrets in events").isEmpty();
    }

    private static Set<String> registered() {
        Set<String> secrets = LeakScan.secrets();
        // Run alone, nothing was handed to a platform: a scan for nothing must not pass.
        assertThat(secrets).as("secrets registered by this run's tests (run the whole e2e suite)").isNotEmpty();
        return secrets;
    }

    /** A record's key, value and headers, as one text to search. */
    private static String text(ConsumerRecord<String, String> record) {
        StringBuilder text = new StringBuilder().append(record.key()).append('\n').append(record.value());
        for (Header header : record.headers()) {
            text.append('\n').append(header.key()).append('=')
                    .append(header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8));
        }
        return text.toString();
    }
}
