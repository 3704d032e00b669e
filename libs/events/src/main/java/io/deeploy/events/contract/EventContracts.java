package io.deeploy.events.contract;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The recorded contract of every event type, kept with the payloads: per type and schema version, its schema ({@code
 * schemas/<Type>.v<N>.json}, the {@link PayloadShape} of that version) and an example event as its producer sends it
 * ({@code examples/<Type>.v<N>.json}), under {@code io/deeploy/events/contract/}. Examples of released versions are
 * never edited: they are what consumers already running may receive.
 *
 * <p>A consumer proves in its own build that it still reads every version it accepts ({@link #requireReadable}): each
 * recorded example is decoded by this build's codec and written back, and every field the producer sent must come back
 * unchanged. A field renamed, removed or retyped in the payload's record loses or changes a field of an older example,
 * which fails that consumer's build; a field added (optional, ignored by older readers) does not.
 */
public final class EventContracts {

    static final String ROOT = "/io/deeploy/events/contract/";

    private EventContracts() {
    }

    /** The recorded schema of {@code type} at {@code version}. */
    public static JsonNode schema(EventType type, int version) {
        return readTree(resource("schemas/" + type.typeName() + ".v" + version + ".json"));
    }

    /** The recorded example of {@code type} at {@code version}, as it travels on Kafka. */
    public static String example(EventType type, int version) {
        return resource("examples/" + type.typeName() + ".v" + version + ".json");
    }

    /**
     * Every recorded example {@code type} has, one per version from 1 to its current one, each decoded by this build and
     * checked to keep every field it was sent with; fails naming the version and the field otherwise.
     */
    public static List<Event<?>> requireReadable(EventType type) {
        List<Event<?>> read = new ArrayList<>();
        for (int version = 1; version <= type.schemaVersion(); version++) {
            String example = example(type, version);
            Event<?> event;
            try {
                event = EventCodec.decode(example);
            } catch (RuntimeException e) {
                throw new ContractBroken(type.typeName() + " v" + version + ": its recorded example no longer decodes: "
                        + e.getMessage());
            }
            JsonNode sent = readTree(example).path("payload");
            JsonNode readBack = EventCodec.mapper().valueToTree(event.payload());
            String lost = firstDifference("payload", sent, readBack);
            if (lost != null) {
                throw new ContractBroken(type.typeName() + " v" + version + ": this build does not read what its producer "
                        + "sent: " + lost + " (a field renamed, removed or retyped needs a new schema version that "
                        + "consumers read beside the old one)");
            }
            read.add(event);
        }
        return read;
    }

    /** Where {@code readBack} does not hold what {@code sent} holds; null if every field sent came back as it was. */
    static String firstDifference(String path, JsonNode sent, JsonNode readBack) {
        if (sent.isObject()) {
            if (!readBack.isObject()) {
                return path + " was an object, is read as " + readBack.getNodeType();
            }
            for (Iterator<Map.Entry<String, JsonNode>> fields = sent.fields(); fields.hasNext();) {
                Map.Entry<String, JsonNode> field = fields.next();
                String inner = firstDifference(path + "." + field.getKey(), field.getValue(),
                        readBack.path(field.getKey()));
                if (inner != null) {
                    return inner;
                }
            }
            return null;
        }
        if (sent.isArray()) {
            if (!readBack.isArray() || readBack.size() != sent.size()) {
                return path + " was a list of " + sent.size() + ", is read as " + readBack;
            }
            for (int i = 0; i < sent.size(); i++) {
                String inner = firstDifference(path + "[" + i + "]", sent.get(i), readBack.get(i));
                if (inner != null) {
                    return inner;
                }
            }
            return null;
        }
        if (readBack.isMissingNode() || readBack.isNull() && !sent.isNull()) {
            return path + " (" + sent + ") is not read";
        }
        boolean same = sent.isNumber() && readBack.isNumber()
                ? sent.decimalValue().compareTo(readBack.decimalValue()) == 0
                : sent.equals(readBack);
        return same ? null : path + " was " + sent + ", is read as " + readBack;
    }

    private static String resource(String name) {
        try (InputStream in = EventContracts.class.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new ContractBroken("no recorded " + name + " (record it: see docs/events.md, Contracts)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode readTree(String json) {
        try {
            return EventCodec.mapper().readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ContractBroken("a recorded contract file is not JSON: " + e.getOriginalMessage());
        }
    }

    /** A recorded contract this build no longer keeps. */
    public static final class ContractBroken extends RuntimeException {
        ContractBroken(String message) {
            super(message);
        }
    }
}
