package io.deeploy.events;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A versioned event as it travels on Kafka: envelope fields plus a typed payload.
 *
 * @param id            unique per event; consumers record it to process each event once
 * @param type          the event type name, e.g. {@code JobRequested}
 * @param schemaVersion version of the payload schema for this type
 * @param key           the record key (job id or node id)
 * @param time          when the producing state change happened
 * @param payload       the typed body
 */
public record Event<P extends EventPayload>(UUID id, String type, int schemaVersion, String key, Instant time, P payload) {

    public Event {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(payload, "payload");
    }

    /** A new event for a payload, with a fresh id, the current time and the type's current schema version. */
    public static <P extends EventPayload> Event<P> of(P payload) {
        return of(payload, Instant.now());
    }

    public static <P extends EventPayload> Event<P> of(P payload, Instant time) {
        EventType type = EventType.of(payload.getClass());
        return new Event<>(UUID.randomUUID(), type.typeName(), type.schemaVersion(), payload.key(), time, payload);
    }

    public EventType eventType() {
        return EventType.byName(type);
    }

    public String topic() {
        return eventType().topic();
    }
}
