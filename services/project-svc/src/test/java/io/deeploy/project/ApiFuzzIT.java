package io.deeploy.project;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deeploy.signing.DeeployWallet;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Thousands of malformed bodies against every write endpoint, authenticated so they reach validation: each answer is a
 * 4xx with an error code (never a 5xx), and nothing is written for it. A random mutation can happen to leave a request
 * valid; such requests are counted, and the tables must grow by exactly their number, so a refused request that wrote
 * something still fails the test. The seed is fixed (and printed) so a failure can be replayed.
 */
@QuarkusTest
class ApiFuzzIT {

    static final int PER_ENDPOINT = 2000;
    static final long SEED = Long.getLong("fuzz.seed", 20261123L);
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Inject
    Pool pool;

    DeeployWallet owner;
    String project;
    String token;

    long count(String sql, Object... params) {
        return pool.preparedQuery(sql).execute(Tuple.from(params)).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0);
    }

    @BeforeEach
    void tenant() {
        owner = DeeployWallet.create();
        project = JobApiIT.newProject(owner);
        token = SignedApi.post(owner, "/api/projects/" + project + "/tokens",
                Map.of("name", "fuzz", "permissions", List.of("create", "redeem")), UUID.randomUUID().toString())
                .then().statusCode(201).extract().path("token");
    }

    /** What one endpoint answered to the fuzz: how many it took, and each status and error code with how often. */
    record Tally(int accepted, Map<Integer, Integer> statuses, Map<String, Integer> codes, List<String> failures) {
    }

    Tally fuzz(String name, JsonNode valid, Function<String, Response> send) {
        Random random = new Random(SEED ^ name.hashCode());
        Mutator mutator = new Mutator(random);
        int accepted = 0;
        Map<Integer, Integer> statuses = new TreeMap<>();
        Map<String, Integer> codes = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < PER_ENDPOINT; i++) {
            String body = mutator.mutate(valid);
            Response response = send.apply(body);
            int status = response.statusCode();
            statuses.merge(status, 1, Integer::sum);
            if (status >= 200 && status < 300) {
                accepted++;
                continue;
            }
            String code = null;
            try {
                code = JSON.readTree(response.asString()).path("code").textValue();
            } catch (java.io.IOException | RuntimeException notJson) {
                // counted as a failure below
            }
            codes.merge(String.valueOf(code), 1, Integer::sum);
            if ((status < 400 || status >= 500 || code == null) && failures.size() < 5) {
                failures.add(status + " for " + abbreviate(body) + " -> " + abbreviate(response.asString()));
            }
        }
        System.out.printf("fuzz %s (seed %d): %s %s%n", name, SEED, statuses, codes);
        return new Tally(accepted, statuses, codes, failures);
    }

    static String abbreviate(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    /**
     * Every answer is a success or one of {@code statuses} with one of {@code codes}, and they add up to the requests
     * sent: a 5xx, an unexpected status or code, or an answer lost from the count fails.
     */
    static void onlyClientErrors(Tally tally, java.util.Set<Integer> statuses, java.util.Set<String> codes) {
        assertThat(tally.failures()).as("answers that were not a 4xx with an error code").isEmpty();
        assertThat(tally.statuses().keySet()).as("statuses").allMatch(status -> statuses.contains(status) || status / 100 == 2);
        assertThat(tally.codes().keySet()).as("error codes").isSubsetOf(codes);
        assertThat(tally.statuses().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(PER_ENDPOINT);
        assertThat(tally.codes().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(PER_ENDPOINT - tally.accepted());
        // Most mutations must be refused, or the fuzz is not exercising refusals at all.
        assertThat(tally.accepted()).isLessThan(PER_ENDPOINT / 4);
    }

    long outboxRowsOfProject(String projectId) {
        return count("SELECT count(*) FROM outbox_event WHERE event_key IN (SELECT id FROM job WHERE project_id = $1)", projectId);
    }

    @Test
    void malformedProjectsAreRefusedAndWriteNothing() {
        long before = count("SELECT count(*) FROM project WHERE owner = $1", owner.address());
        long commands = count("SELECT count(*) FROM idempotent_command WHERE scope = $1", "project.create:" + owner.address());
        long outbox = count("SELECT count(*) FROM outbox_event");
        Tally tally = fuzz("POST /api/projects", JSON.valueToTree(Map.of("name", "fuzzed project")),
                body -> signedPost("/api/projects", body));
        onlyClientErrors(tally, java.util.Set.of(400, 409), java.util.Set.of("INVALID_FIELD", "MALFORMED_BODY", "PROJECT_NAME_TAKEN"));
        // A project announces nothing: the outbox has no row more.
        assertThat(count("SELECT count(*) FROM outbox_event")).isEqualTo(outbox);
        assertThat(count("SELECT count(*) FROM project WHERE owner = $1", owner.address())).isEqualTo(before + tally.accepted());
        assertThat(count("SELECT count(*) FROM idempotent_command WHERE scope = $1", "project.create:" + owner.address()))
                .isEqualTo(commands + tally.accepted());
    }

    @Test
    void malformedJobsAreRefusedAndWriteNothing() {
        Map<String, Object> job = new java.util.HashMap<>(JobApiIT.warJob("fz-" + UUID.randomUUID().toString().substring(0, 8)));
        job.put("env", Map.of("MODE", "fuzz"));
        job.put("secretEnv", Map.of("API_KEY", "fuzz-secret"));
        job.put("healthCheck", Map.of("mode", "http", "path", "/", "initialDelaySeconds", 1, "timeoutSeconds", 5));
        job.put("volumes", List.of(Map.of("name", "data", "mountPath", "/data")));
        job.put("fileVolumes", List.of(Map.of("name", "conf", "mountPath", "/etc/app.conf", "content", "a=1")));
        job.put("nodeTags", List.of("REG:EU||REG:US"));
        long transitions = count("SELECT count(*) FROM job_transition t JOIN job j ON j.id = t.job_id WHERE j.project_id = $1", project);
        Tally tally = fuzz("POST /api/projects/{id}/jobs", JSON.valueToTree(job), body -> SignedApi.token(token)
                .header("Idempotency-Key", UUID.randomUUID().toString()).contentType(ContentType.JSON)
                .body(body.getBytes(StandardCharsets.UTF_8)).post("/api/projects/" + project + "/jobs"));
        onlyClientErrors(tally, java.util.Set.of(400, 409), java.util.Set.of("INVALID_FIELD", "MALFORMED_BODY", "ALIAS_TAKEN"));
        long jobs = count("SELECT count(*) FROM job WHERE project_id = $1", project);
        assertThat(jobs).isEqualTo(tally.accepted());
        // One announcement (JobRequested) per job taken, none for a refused one.
        assertThat(outboxRowsOfProject(project)).isEqualTo(tally.accepted());
        assertThat(count("SELECT count(*) FROM job_transition t JOIN job j ON j.id = t.job_id WHERE j.project_id = $1", project))
                .isEqualTo(transitions + tally.accepted());
        assertThat(count("SELECT count(*) FROM job_secret s JOIN job j ON j.id = s.job_id WHERE j.project_id = $1", project))
                .isLessThanOrEqualTo(2L * tally.accepted());
    }

    /**
     * Hostile values in the fields a tenant aims at the node with (repository URLs, image references, names, mount
     * paths, env names, egress), generated from the seed: each is refused with a 400 that names exactly that field, and
     * not one job, transition or secret is written.
     */
    @Test
    void hostileJobFieldsAreRefusedNamingTheFieldAndWriteNothing() {
        Random random = new Random(SEED ^ 0x5eed);
        HostileValues hostile = new HostileValues(random);
        Map<String, Integer> perField = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < PER_ENDPOINT / 4; i++) {
            ObjectNode job = JSON.valueToTree(JobApiIT.warJob("fz-" + UUID.randomUUID().toString().substring(0, 8)));
            job.set("env", NODES.objectNode().put("MODE", "fuzz"));
            job.set("secretEnv", NODES.objectNode().put("API_KEY", "fuzz-secret"));
            job.set("volumes", NODES.arrayNode().add(NODES.objectNode().put("name", "data").put("mountPath", "/data")));
            job.set("fileVolumes", NODES.arrayNode().add(NODES.objectNode().put("name", "conf").put("mountPath", "/srv/app.conf")
                    .put("content", "a=1")));
            String field = hostile.plant(job);
            perField.merge(field.replaceAll("^(env|secretEnv)\\..*", "$1.<name>"), 1, Integer::sum);
            Response response = SignedApi.token(token).header("Idempotency-Key", UUID.randomUUID().toString())
                    .contentType(ContentType.JSON).body(job.toString().getBytes(StandardCharsets.UTF_8))
                    .post("/api/projects/" + project + "/jobs");
            String named = response.statusCode() == 400 ? response.jsonPath().getString("field") : null;
            if (!field.equals(named) && wrong.size() < 10) {
                wrong.add(field + " <- " + abbreviate(job.toString()) + ": " + response.statusCode() + " " + abbreviate(response.asString()));
            }
        }
        System.out.printf("fuzz hostile job fields (seed %d): %s%n", SEED, perField);
        assertThat(wrong).as("answers other than a 400 naming the field").isEmpty();
        assertThat(count("SELECT count(*) FROM job WHERE project_id = $1", project)).isZero();
        assertThat(count("SELECT count(*) FROM job_secret s JOIN job j ON j.id = s.job_id WHERE j.project_id = $1", project)).isZero();
        assertThat(perField.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(PER_ENDPOINT / 4);
    }

    /** Hostile values for the fields that reach the node, each planted in a valid job; returns the field it names. */
    static final class HostileValues {

        static final String NOT_IN_NAMES = " ;|&$`'\"\\<>{}()!*?#%^=~,@[]\t";
        final Random random;

        HostileValues(Random random) {
            this.random = random;
        }

        String plant(ObjectNode job) {
            switch (random.nextInt(9)) {
                case 0, 1:
                    ((ObjectNode) job.get("repository")).put("url", repositoryUrl());
                    return "repository.url";
                case 2:
                    job.put("image", spoil("registry.example.org:5000/team/app:1." + random.nextInt(100)));
                    return "image";
                case 3:
                    job.put("alias", alias());
                    return "alias";
                case 4: {
                    boolean file = random.nextBoolean();
                    ((ObjectNode) job.get(file ? "fileVolumes" : "volumes").get(0)).put("mountPath", mountPath());
                    return (file ? "fileVolumes" : "volumes") + "[0].mountPath";
                }
                case 5: {
                    boolean file = random.nextBoolean();
                    ((ObjectNode) job.get(file ? "fileVolumes" : "volumes").get(0)).put("name", spoil("data-" + random.nextInt(99)));
                    return (file ? "fileVolumes" : "volumes") + "[0].name";
                }
                case 6: {
                    String name = envName();
                    boolean secret = random.nextBoolean();
                    ((ObjectNode) job.get(secret ? "secretEnv" : "env")).put(name, "v");
                    return (secret ? "secretEnv." : "env.") + name;
                }
                case 7:
                    job.put("egress", List.of("all", "host", "bridge", "private", "INTERNET ", "", "none;all", "*")
                            .get(random.nextInt(8)));
                    return "egress";
                default:
                    ((ObjectNode) job.get("repository")).put("url", List.of("file://", "ssh://git@", "ftp://", "gopher://",
                            "jar:file:", "data:text/plain,", "javascript:", "").get(random.nextInt(8)) + path());
                    return "repository.url";
            }
        }

        /** A URL on this machine or a private network: literal addresses in every range, names of this machine, odd forms. */
        String repositoryUrl() {
            String scheme = List.of("http", "https", "git").get(random.nextInt(3));
            String host = switch (random.nextInt(12)) {
                case 0 -> "127." + octet() + "." + octet() + "." + octet();
                case 1 -> "10." + octet() + "." + octet() + "." + octet();
                case 2 -> "172." + (16 + random.nextInt(16)) + "." + octet() + "." + octet();
                case 3 -> "192.168." + octet() + "." + octet();
                case 4 -> "169.254." + octet() + "." + octet();
                case 5 -> "[::ffff:10." + octet() + "." + octet() + "." + octet() + "]";
                case 6 -> "[fd" + Integer.toHexString(random.nextInt(256)) + "::" + Integer.toHexString(random.nextInt(65536)) + "]";
                case 7 -> List.of("localhost", "LOCALHOST.", "app.localhost", "[::1]", "[::]", "0.0.0.0").get(random.nextInt(6));
                case 8 -> String.valueOf(2130706432L + random.nextInt(16_777_216)); // 127.0.0.0/8 as one number
                case 9 -> "100." + (64 + random.nextInt(64)) + "." + octet() + "." + octet();
                case 10 -> "0x7f." + octet() + "." + octet() + "." + octet();
                default -> "user:" + Integer.toHexString(random.nextInt()) + "@git.example.org";
            };
            String port = random.nextBoolean() ? "" : ":" + (1 + random.nextInt(65535));
            return scheme + "://" + host + port + path();
        }

        String path() {
            StringBuilder path = new StringBuilder();
            for (int i = random.nextInt(4); i >= 0; i--) {
                path.append('/').append(random.nextInt(5) == 0 ? ".." : Integer.toHexString(random.nextInt(1 << 16)));
            }
            return path.append(".git").toString();
        }

        String alias() {
            return switch (random.nextInt(5)) {
                case 0 -> "a".repeat(43 + random.nextInt(20));
                case 1 -> random.nextInt(10) + "app";
                case 2 -> "-app" + random.nextInt(99);
                case 3 -> "App" + random.nextInt(99);
                default -> spoil("app-" + random.nextInt(999));
            };
        }

        String mountPath() {
            return switch (random.nextInt(7)) {
                case 0 -> "/data/" + "../".repeat(1 + random.nextInt(4)) + "etc";
                case 1 -> "data/" + random.nextInt(99);
                case 2 -> List.of("/", "/etc", "/proc", "/sys", "/usr", "/app", "/dev", "/var", "/tmp").get(random.nextInt(9));
                case 3 -> "/app/" + Integer.toHexString(random.nextInt());
                case 4 -> "/data//" + random.nextInt(99);
                case 5 -> "/data:" + random.nextInt(99);
                default -> "/" + "x".repeat(500 + random.nextInt(100));
            };
        }

        String envName() {
            return switch (random.nextInt(3)) {
                case 0 -> random.nextInt(10) + "VAR";
                case 1 -> "VAR-" + random.nextInt(99);
                default -> spoil("VAR_" + random.nextInt(99));
            };
        }

        /** {@code valid} with one character no name or reference may hold, inside it (where no strip takes it away). */
        String spoil(String valid) {
            int at = 1 + random.nextInt(valid.length() - 1);
            return valid.substring(0, at) + NOT_IN_NAMES.charAt(random.nextInt(NOT_IN_NAMES.length())) + valid.substring(at);
        }

        int octet() {
            return random.nextInt(256);
        }
    }

    @Test
    void malformedTokensAndDelegationsAreRefusedAndWriteNothing() {
        Tally tokens = fuzz("POST /api/projects/{id}/tokens", JSON.valueToTree(Map.of("name", "ci", "permissions", List.of("create"))),
                body -> signedPost("/api/projects/" + project + "/tokens", body));
        onlyClientErrors(tokens, java.util.Set.of(400, 409), java.util.Set.of("INVALID_FIELD", "MALFORMED_BODY", "TOO_MANY_TOKENS"));
        assertThat(count("SELECT count(*) FROM api_token WHERE project_id = $1", project)).isEqualTo(1 + tokens.accepted());

        String delegate = DeeployWallet.create().address();
        Tally delegations = fuzz("PUT /api/delegates/{address}", JSON.valueToTree(Map.of("permissions", List.of("create", "redeem"))),
                body -> {
                    String path = "/api/delegates/" + delegate;
                    return SignedApi.signed(owner, "PUT", path, body, null).put(path);
                });
        onlyClientErrors(delegations, java.util.Set.of(400), java.util.Set.of("INVALID_FIELD", "MALFORMED_BODY"));
        assertThat(count("SELECT count(*) FROM delegate WHERE owner = $1", owner.address()))
                .isEqualTo(delegations.accepted() > 0 ? 1 : 0);
    }

    @Test
    void malformedIdsInPathsAreRefusedAndWriteNothing() {
        Random random = new Random(SEED);
        Mutator mutator = new Mutator(random);
        long jobs = count("SELECT count(*) FROM job");
        long transitions = count("SELECT count(*) FROM job_transition");
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < PER_ENDPOINT / 4; i++) {
            String id = java.net.URLEncoder.encode(mutator.junkString(), StandardCharsets.UTF_8);
            for (Response response : List.of(
                    SignedApi.token(token).post("/api/jobs/" + id + "/stop"),
                    SignedApi.delete(owner, "/api/projects/" + id),
                    SignedApi.delete(owner, "/api/delegates/" + id),
                    SignedApi.delete(owner, "/api/projects/" + project + "/tokens/" + id),
                    SignedApi.get(owner, "/api/jobs/" + id + "/log-grant"),
                    io.restassured.RestAssured.given().urlEncodingEnabled(false).header("Authorization", "Bearer test-internal-token")
                            .get("/internal/jobs/" + id + "/secrets"))) {
                if ((response.statusCode() < 400 || response.statusCode() >= 500) && failures.size() < 5) {
                    failures.add(response.statusCode() + " for id " + id + " -> " + abbreviate(response.asString()));
                }
            }
        }
        assertThat(failures).isEmpty();
        assertThat(count("SELECT count(*) FROM job")).isEqualTo(jobs);
        assertThat(count("SELECT count(*) FROM job_transition")).isEqualTo(transitions);
        assertThat(count("SELECT count(*) FROM project WHERE id = $1 AND deleted_at IS NULL", project)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM api_token WHERE project_id = $1 AND revoked_at IS NULL", project)).isEqualTo(1);
    }

    Response signedPost(String path, String body) {
        return SignedApi.signed(owner, "POST", path, body, UUID.randomUUID().toString()).post(path);
    }

    /** Makes a malformed variant of a valid body: broken syntax, wrong types, out-of-range values, missing fields. */
    static final class Mutator {

        private final Random random;

        Mutator(Random random) {
            this.random = random;
        }

        String mutate(JsonNode valid) {
            String text = valid.toString();
            switch (random.nextInt(10)) {
                case 0:
                    return text.substring(0, random.nextInt(text.length()));
                case 1: {
                    char[] chars = text.toCharArray();
                    for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                        chars[random.nextInt(chars.length)] = (char) (32 + random.nextInt(95));
                    }
                    return new String(chars);
                }
                case 2: {
                    byte[] bytes = new byte[random.nextInt(200)];
                    random.nextBytes(bytes);
                    return new String(bytes, StandardCharsets.ISO_8859_1);
                }
                case 3:
                    return List.of("[]", "\"text\"", "42", "null", "true", "{}", "[{}]", "{\"\":{}}", "", " ").get(random.nextInt(10));
                case 4:
                    return "[".repeat(1 + random.nextInt(3000)) + "]".repeat(random.nextInt(2));
                case 5: {
                    ObjectNode copy = valid.deepCopy();
                    removeRandomField(copy);
                    return copy.toString();
                }
                default: {
                    JsonNode copy = valid.deepCopy();
                    for (int changes = 1 + random.nextInt(2); changes > 0; changes--) {
                        replaceRandomValue(copy);
                    }
                    return copy.toString();
                }
            }
        }

        private void removeRandomField(JsonNode node) {
            List<JsonNode> containers = containers(node);
            JsonNode target = containers.get(random.nextInt(containers.size()));
            if (target instanceof ObjectNode object && object.size() > 0) {
                object.remove(nth(object.fieldNames(), random.nextInt(object.size())));
            } else if (target instanceof ArrayNode array && array.size() > 0) {
                array.remove(random.nextInt(array.size()));
            }
        }

        private void replaceRandomValue(JsonNode node) {
            List<JsonNode> containers = containers(node);
            JsonNode target = containers.get(random.nextInt(containers.size()));
            if (target instanceof ObjectNode object && object.size() > 0) {
                object.set(nth(object.fieldNames(), random.nextInt(object.size())), junk());
            } else if (target instanceof ArrayNode array && array.size() > 0) {
                array.set(random.nextInt(array.size()), junk());
            }
        }

        private static String nth(Iterator<String> names, int n) {
            String name = names.next();
            for (int i = 0; i < n; i++) {
                name = names.next();
            }
            return name;
        }

        private static List<JsonNode> containers(JsonNode root) {
            List<JsonNode> found = new ArrayList<>();
            collect(root, found);
            return found;
        }

        private static void collect(JsonNode node, List<JsonNode> found) {
            if (node.isContainerNode()) {
                found.add(node);
                node.elements().forEachRemaining(child -> collect(child, found));
            }
        }

        JsonNode junk() {
            switch (random.nextInt(14)) {
                case 0: return NODES.nullNode();
                case 1: return NODES.numberNode(random.nextInt());
                case 2: return NODES.numberNode(-1 - random.nextInt(1000));
                case 3: return NODES.numberNode(new java.math.BigDecimal("1e400"));
                case 4: return NODES.numberNode(random.nextDouble() * 1e12);
                case 5: return NODES.booleanNode(random.nextBoolean());
                case 6: return NODES.textNode("x".repeat(random.nextInt(20_000)));
                case 7: return NODES.arrayNode().add(junkString()).add(NODES.objectNode());
                case 8: return NODES.objectNode().put("nested", junkString());
                case 9: return NODES.textNode("../../etc/passwd");
                case 10: return NODES.textNode("/var/run/docker.sock");
                case 11: return NODES.textNode("\u0000\u202e\uD83D\uDE80 $(rm -rf /) `id` ${HOME}");
                case 12: return NODES.numberNode(Long.MAX_VALUE);
                default: return NODES.textNode(junkString());
            }
        }

        String junkString() {
            String alphabet = "abcXYZ019 -_./\\:;'\"<>{}[]%&?#=+*!@~\u00e9\u4e2d\u0000\n\t";
            StringBuilder text = new StringBuilder();
            for (int length = random.nextInt(80); length > 0; length--) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            return text.toString();
        }
    }
}
