package io.deeploy.events.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventPayload;
import io.deeploy.events.EventType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Every event type has a recorded schema and example for each of its versions, and the payload records of this build
 * match the schema of the current version: a change to a payload fails here first, saying what to record.
 *
 * <p>A new event type or version is recorded with {@code ./mvnw -pl libs/events test -Ddeeploy.events.record=true},
 * which writes the schema and an example (every field set) of each current version that has none; it never rewrites a
 * recorded file.
 */
class EventContractsTest {

    static final Path RECORDED = Path.of("src", "main", "resources", "io", "deeploy", "events", "contract");

    @ParameterizedTest
    @EnumSource(EventType.class)
    void thePayloadMatchesTheRecordedSchemaOfItsVersion(EventType type) throws Exception {
        recordIfAsked(type);
        JsonNode current = PayloadShape.of(type.payloadType());
        assertThat(EventContracts.schema(type, type.schemaVersion()))
                .as("the payload of %s differs from schemas/%s.v%d.json. If readers of the recorded versions still read "
                        + "it (only fields added), record the new shape in that file; if not (a field renamed, removed "
                        + "or retyped), bump its schemaVersion in EventType and record the new version beside the old",
                        type.typeName(), type.typeName(), type.schemaVersion())
                .isEqualTo(current);
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void everyRecordedVersionIsReadByThisBuild(EventType type) {
        assertThat(EventContracts.requireReadable(type)).hasSize(type.schemaVersion())
                .allSatisfy(event -> assertThat(event.type()).isEqualTo(type.typeName()));
    }

    @Test
    void aFieldRenamedInThePayloadIsCaughtByTheRoundTrip() throws Exception {
        ObjectNode sent = (ObjectNode) EventCodec.mapper().readTree(EventContracts.example(EventType.ROUTE_READY, 1))
                .path("payload");
        ObjectNode renamed = sent.deepCopy();
        renamed.set("address", renamed.remove("url"));
        assertThat(EventContracts.firstDifference("payload", sent, renamed))
                .isEqualTo("payload.url (\"example-url\") is not read");
        ObjectNode retyped = sent.deepCopy();
        retyped.put("alias", 7);
        assertThat(EventContracts.firstDifference("payload", sent, retyped)).startsWith("payload.alias was");
        // A field added beside the ones sent is what old readers ignore: no difference.
        ObjectNode added = sent.deepCopy();
        added.put("extra", "x");
        assertThat(EventContracts.firstDifference("payload", sent, added)).isNull();
    }

    @Test
    void aMissingRecordingIsAClearFailure() {
        assertThatThrownBy(() -> EventContracts.schema(EventType.ROUTE_READY, 99))
                .isInstanceOf(EventContracts.ContractBroken.class).hasMessageContaining("schemas/RouteReady.v99.json");
    }

    /** Writes what the current version of {@code type} lacks, when asked; never rewrites a recorded file. */
    static void recordIfAsked(EventType type) throws Exception {
        if (!Boolean.getBoolean("deeploy.events.record")) {
            return;
        }
        String base = type.typeName() + ".v" + type.schemaVersion() + ".json";
        Path schema = RECORDED.resolve("schemas").resolve(base);
        if (!Files.exists(schema)) {
            Files.createDirectories(schema.getParent());
            Files.writeString(schema, EventCodec.mapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(PayloadShape.of(type.payloadType())) + "\n");
        }
        Path example = RECORDED.resolve("examples").resolve(base);
        if (!Files.exists(example)) {
            Files.createDirectories(example.getParent());
            EventPayload payload = (EventPayload) new ExampleValues().of(type.payloadType(), "payload");
            Event<?> event = new Event<>(new UUID(0, 1), type.typeName(), type.schemaVersion(), payload.key(),
                    Instant.parse("2026-01-01T00:00:00Z"), payload);
            Files.writeString(example, EventCodec.mapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(EventCodec.mapper().readTree(EventCodec.encode(event))) + "\n");
        }
    }
}
