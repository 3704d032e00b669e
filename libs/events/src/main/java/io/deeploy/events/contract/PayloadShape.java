package io.deeploy.events.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;

/**
 * The schema of an event payload as it travels: each field's JSON type, derived from the payload's record so that it
 * cannot drift from the code. Records are objects of their components, enums list their values, lists and maps give the
 * shape of their elements; {@code integer} numbers include those too big for 64 bits (token amounts).
 */
public final class PayloadShape {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private PayloadShape() {
    }

    public static JsonNode of(Type type) {
        if (type instanceof ParameterizedType parameterized) {
            Class<?> raw = (Class<?>) parameterized.getRawType();
            Type[] arguments = parameterized.getActualTypeArguments();
            if (Collection.class.isAssignableFrom(raw)) {
                ArrayNode list = JSON.arrayNode();
                list.add(of(arguments[0]));
                return list;
            }
            if (Map.class.isAssignableFrom(raw)) {
                ObjectNode map = JSON.objectNode();
                map.set("map of", of(arguments[1]));
                return map;
            }
            throw new IllegalArgumentException("no shape for " + type);
        }
        Class<?> clazz = (Class<?>) type;
        if (clazz == String.class) {
            return JSON.textNode("string");
        }
        if (clazz == int.class || clazz == Integer.class || clazz == long.class || clazz == Long.class
                || clazz == BigInteger.class) {
            return JSON.textNode("integer");
        }
        if (clazz == double.class || clazz == Double.class || clazz == BigDecimal.class) {
            return JSON.textNode("number");
        }
        if (clazz == boolean.class || clazz == Boolean.class) {
            return JSON.textNode("boolean");
        }
        if (clazz == Instant.class) {
            return JSON.textNode("date-time");
        }
        if (clazz == UUID.class) {
            return JSON.textNode("uuid");
        }
        if (clazz.isEnum()) {
            ObjectNode values = JSON.objectNode();
            ArrayNode names = values.putArray("one of");
            Arrays.stream(clazz.getEnumConstants()).map(c -> ((Enum<?>) c).name()).forEach(names::add);
            return values;
        }
        if (clazz.isRecord()) {
            ObjectNode fields = JSON.objectNode();
            for (RecordComponent component : clazz.getRecordComponents()) {
                fields.set(component.getName(), of(component.getGenericType()));
            }
            return fields;
        }
        throw new IllegalArgumentException("no shape for " + clazz.getName()
                + ": event payloads are records of JSON values");
    }
}
