package io.deeploy.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * JSON form of events. Encoding is deterministic for a given event; decoding ignores unknown fields so that a
 * producer may add optional fields without breaking older consumers.
 */
public final class EventCodec {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private EventCodec() {
    }

    public static String encode(Event<?> event) {
        try {
            return MAPPER.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode event " + event.type(), e);
        }
    }

    /** Decodes a known event type; throws {@link MalformedEventException} for anything else. */
    public static Event<?> decode(String json) {
        JsonNode root = parse(json);
        String typeName = text(root, "type");
        EventType type = EventType.byName(typeName);
        if (type == null) {
            throw new MalformedEventException("unknown event type '" + typeName + "'");
        }
        int version = root.path("schemaVersion").asInt(-1);
        if (version > type.schemaVersion()) {
            throw new MalformedEventException(typeName + " schema version " + version + " is newer than this build's "
                    + type.schemaVersion());
        }
        try {
            EventPayload payload = MAPPER.treeToValue(root.path("payload"), type.payloadType());
            if (payload == null) {
                throw new MalformedEventException(typeName + " has no payload");
            }
            return new Event<>(UUID.fromString(text(root, "id")), typeName, version, text(root, "key"),
                    Instant.parse(text(root, "time")), payload);
        } catch (JsonProcessingException | IllegalArgumentException | java.time.format.DateTimeParseException e) {
            throw new MalformedEventException("bad " + typeName + ": " + e.getMessage());
        }
    }

    /** The type name of an encoded event without decoding its payload, or {@code null} if it has none. */
    public static String typeOf(String json) {
        JsonNode type = parse(json).get("type");
        return type == null ? null : type.asText();
    }

    private static JsonNode parse(String json) {
        if (json == null) {
            throw new MalformedEventException("empty record");
        }
        try {
            JsonNode root = MAPPER.readTree(json);
            if (root == null || !root.isObject()) {
                throw new MalformedEventException("not a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new MalformedEventException("not JSON: " + e.getOriginalMessage());
        }
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull() || node.asText().isEmpty()) {
            throw new MalformedEventException("missing '" + field + "'");
        }
        return node.asText();
    }

    /** Shared mapper, configured as for events (ISO times, unknown fields ignored). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** A payload fragment (a job spec, tags) as JSON, for example to keep it in a database column. */
    public static String toJson(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    /** Reads back what {@link #toJson} wrote; stored JSON that no longer reads is a bug, not bad input. */
    public static <T> T fromJson(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored " + type.getSimpleName() + " is unreadable", e);
        }
    }

    /** Reads back a string-to-string map (tags) written by {@link #toJson}. */
    public static Map<String, String> stringMapFromJson(String json) {
        try {
            return MAPPER.readValue(json, new TypeReference<Map<String, String>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored map is unreadable", e);
        }
    }
}
