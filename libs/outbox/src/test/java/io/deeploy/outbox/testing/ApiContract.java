package io.deeploy.outbox.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The REST APIs the platform's services call on one another, as OpenAPI documents recorded in the repository
 * ({@code docs/openapi/<service>.json}). The provider's integration test checks that the document it serves is the
 * recorded one, so a change to its API is recorded on purpose ({@code -Ddeeploy.openapi.record=true} writes it); each
 * caller's test checks that every operation it calls is in the provider's recorded document with the fields it reads,
 * so a provider change that breaks a caller fails that caller's build.
 */
public final class ApiContract {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ApiContract() {
    }

    /** The recorded document of {@code service}, found from the module's directory up to the repository's root. */
    public static Path recordedFile(String service) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("docs").resolve("openapi"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no docs/openapi above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve("docs").resolve("openapi").resolve(service + ".json");
    }

    public static JsonNode recorded(String service) {
        try {
            return JSON.readTree(Files.readString(recordedFile(service)));
        } catch (IOException e) {
            throw new UncheckedIOException("no recorded API of " + service + " (" + recordedFile(service) + ")", e);
        }
    }

    /**
     * The provider's side: the OpenAPI document {@code service} serves is the recorded one; in record mode it is written
     * as the new record instead.
     */
    public static void requireServedIsRecorded(String service, String served) {
        try {
            JsonNode document = JSON.readTree(served);
            if (Boolean.getBoolean("deeploy.openapi.record")) {
                Files.writeString(recordedFile(service),
                        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(document) + "\n");
                return;
            }
            assertThat(document).as("%s serves an API that differs from %s: its callers check their calls against the "
                    + "recorded one. If the change is meant, record it (-Ddeeploy.openapi.record=true) and run the callers' "
                    + "tests", service, recordedFile(service)).isEqualTo(recorded(service));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The caller's side: {@code service}'s recorded API has {@code method path} answering {@code status}, and its answer
     * has every field in {@code fields} ({@code a.b} inside an object, {@code a[].b} inside a list's items, {@code [].b}
     * in the items of an answer that is a list).
     */
    public static void requireOperation(String service, String method, String path, int status, String... fields) {
        JsonNode document = recorded(service);
        JsonNode operation = document.path("paths").path(path).path(method.toLowerCase(Locale.ROOT));
        assertThat(operation.isMissingNode()).as("%s's recorded API has no %s %s (it has %s)", service, method, path,
                document.path("paths").fieldNames().hasNext() ? iterable(document.path("paths")) : "nothing").isFalse();
        JsonNode answer = operation.path("responses").path(String.valueOf(status));
        assertThat(answer.isMissingNode()).as("%s %s %s answers no %d", service, method, path, status).isFalse();
        JsonNode schema = resolve(document, answer.path("content").path("application/json").path("schema"));
        for (String field : fields) {
            JsonNode at = schema;
            for (String part : field.split("\\.")) {
                boolean list = part.endsWith("[]");
                String name = list ? part.substring(0, part.length() - 2) : part;
                // "[]" alone: the answer itself is the list.
                at = name.isEmpty() ? resolve(document, at)
                        : resolve(document, resolve(document, at).path("properties").path(name));
                assertThat(at.isMissingNode()).as("%s %s %s: the answer has no field %s (in %s)", service, method, path,
                        field, name).isFalse();
                if (list) {
                    assertThat(at.path("type").asText()).as("%s %s %s: %s is not a list", service, method, path, name)
                            .isEqualTo("array");
                    at = resolve(document, at.path("items"));
                }
            }
        }
    }

    private static JsonNode resolve(JsonNode document, JsonNode schema) {
        JsonNode at = schema;
        while (at.has("$ref")) {
            String ref = at.path("$ref").asText();
            at = document.at(ref.substring(1));
        }
        if (at.has("allOf") && at.path("allOf").size() == 1) {
            return resolve(document, at.path("allOf").get(0));
        }
        return at;
    }

    private static String iterable(JsonNode paths) {
        StringBuilder names = new StringBuilder();
        paths.fieldNames().forEachRemaining(name -> names.append(names.length() == 0 ? "" : ", ").append(name));
        return names.toString();
    }
}
