package io.deeploy.events.contract;

import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A payload with every field set, for recording the first example of a new event version: each field gets a value
 * that names it (strings) or a small distinct number, so a field read into another shows in the round trip.
 */
final class ExampleValues {

    private int counter = 1;

    Object of(Type type, String name) {
        if (type instanceof ParameterizedType parameterized) {
            Class<?> raw = (Class<?>) parameterized.getRawType();
            Type[] arguments = parameterized.getActualTypeArguments();
            if (Collection.class.isAssignableFrom(raw)) {
                return List.of(of(arguments[0], name));
            }
            if (Map.class.isAssignableFrom(raw)) {
                return Map.of(name.toUpperCase(java.util.Locale.ROOT) + "_KEY", of(arguments[1], name + "-value"));
            }
            throw new IllegalArgumentException("no example for " + type);
        }
        Class<?> clazz = (Class<?>) type;
        if (clazz == String.class) {
            return "example-" + name;
        }
        if (clazz == int.class || clazz == Integer.class) {
            return counter++;
        }
        if (clazz == long.class || clazz == Long.class) {
            return (long) counter++;
        }
        if (clazz == BigInteger.class) {
            return BigInteger.valueOf(1_000_000L * counter++);
        }
        if (clazz == double.class || clazz == Double.class) {
            return 0.5 + counter++;
        }
        if (clazz == BigDecimal.class) {
            return BigDecimal.valueOf(counter++, 1);
        }
        if (clazz == boolean.class || clazz == Boolean.class) {
            return true;
        }
        if (clazz == Instant.class) {
            return Instant.parse("2026-01-01T00:00:00Z").plusSeconds(counter++);
        }
        if (clazz == UUID.class) {
            return new UUID(0, counter++);
        }
        if (clazz.isEnum()) {
            Object[] constants = clazz.getEnumConstants();
            return constants[constants.length - 1];
        }
        if (clazz.isRecord()) {
            RecordComponent[] components = clazz.getRecordComponents();
            Object[] values = new Object[components.length];
            for (int i = 0; i < components.length; i++) {
                values[i] = of(components[i].getGenericType(), components[i].getName());
            }
            try {
                Constructor<?> canonical = clazz.getDeclaredConstructor(
                        Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
                return canonical.newInstance(values);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot make an example " + clazz.getSimpleName() + ": " + e, e);
            }
        }
        throw new IllegalArgumentException("no example for " + clazz.getName());
    }
}
