package io.deeploy.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deeploy.events.TagExpression;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TagExpressionTest {

    static final Map<String, String> FRANCE = Map.of("CT", "FR", "REG", "EU", "IS_KYB", "true", "DC", "ovh-gra");
    static final Map<String, String> ITALY = Map.of("ct", "it", "reg", "eu", "DC", "aws-eu-south-1");
    static final Map<String, String> USA = Map.of("CT", "US", "REG", "NA", "IS_KYB", "false");
    static final Map<String, String> UNTAGGED = Map.of();
    static final Map<String, String> KYB_EMPTY = Map.of("IS_KYB", "");
    static final Map<String, String> KYB_YES = Map.of("is_kyb", "YES", "URL", "http://a:8080/x");

    static Stream<Arguments> matching() {
        return Stream.of(
                // KEY:VALUE, case-insensitive on key and value
                Arguments.of("CT:FR", FRANCE, true), Arguments.of("CT:FR", ITALY, false), Arguments.of("CT:FR", UNTAGGED, false),
                Arguments.of("ct:fr", FRANCE, true), Arguments.of("CT:IT", ITALY, true), Arguments.of("REG:EU", ITALY, true),
                Arguments.of("REG:EU", USA, false), Arguments.of("DC:ovh", FRANCE, false),
                // the value may hold ':'
                Arguments.of("URL:http://a:8080/x", KYB_YES, true), Arguments.of("URL:http://a:*", KYB_YES, true),
                // OR
                Arguments.of("CT:FR||CT:IT", FRANCE, true), Arguments.of("CT:FR||CT:IT", ITALY, true),
                Arguments.of("CT:FR||CT:IT", USA, false), Arguments.of("  CT:DE ||  ct:It ", ITALY, true),
                Arguments.of("CT:DE||CT:ES||CT:US", USA, true),
                // bare key: present and not "false"
                Arguments.of("IS_KYB", FRANCE, true), Arguments.of("IS_KYB", USA, false), Arguments.of("IS_KYB", ITALY, false),
                Arguments.of("IS_KYB", KYB_EMPTY, true), Arguments.of("IS_KYB", KYB_YES, true), Arguments.of("is_kyb", FRANCE, true),
                // negation
                Arguments.of("!IS_KYB", FRANCE, false), Arguments.of("!IS_KYB", USA, true), Arguments.of("!IS_KYB", ITALY, true),
                Arguments.of("!IS_KYB", UNTAGGED, true), Arguments.of("!IS_KYB", KYB_EMPTY, false),
                Arguments.of("!CT:FR", FRANCE, false), Arguments.of("!CT:FR", ITALY, true), Arguments.of("!CT:FR", UNTAGGED, true),
                Arguments.of("!CT:FR||IS_KYB", FRANCE, true), Arguments.of("!CT:FR||IS_KYB", USA, true),
                Arguments.of("!CT:*||CT:FR", UNTAGGED, true), Arguments.of("!CT:*||CT:FR", USA, false),
                // wildcards
                Arguments.of("DC:*", FRANCE, true), Arguments.of("DC:*", ITALY, true), Arguments.of("DC:*", USA, false),
                Arguments.of("DC:ovh-*", FRANCE, true), Arguments.of("DC:OVH-*", FRANCE, true), Arguments.of("DC:ovh-*", ITALY, false),
                Arguments.of("DC:*-gra", FRANCE, true), Arguments.of("DC:*-GRA", FRANCE, true), Arguments.of("DC:*-sbg", FRANCE, false),
                Arguments.of("DC:*eu*", ITALY, true), Arguments.of("DC:*eu*", FRANCE, false), Arguments.of("DC:o*g*a", FRANCE, true),
                Arguments.of("DC:o*h*h*", FRANCE, false), Arguments.of("DC:ovh-gra*", FRANCE, true), Arguments.of("DC:*ovh-gra", FRANCE, true),
                Arguments.of("DC:**", FRANCE, true), Arguments.of("CT:F*R", FRANCE, true), Arguments.of("CT:F*R", Map.of("CT", "FxyR"), true),
                Arguments.of("CT:F*R", Map.of("CT", "FRx"), false), Arguments.of("K:a*a", Map.of("K", "a"), false),
                Arguments.of("K:a*a", Map.of("K", "aa"), true), Arguments.of("K:a*a", Map.of("K", "aba"), true),
                Arguments.of("K:ab*ba", Map.of("K", "aba"), false), Arguments.of("K:*", Map.of("K", ""), true),
                Arguments.of("*", UNTAGGED, true), Arguments.of("*", FRANCE, true), Arguments.of("!*", FRANCE, false),
                Arguments.of("!*", UNTAGGED, false));
    }

    @ParameterizedTest(name = "{0} on {1} -> {2}")
    @MethodSource("matching")
    void matchesAsTheGrammarSays(String expression, Map<String, String> tags, boolean expected) {
        assertThat(TagExpression.parse(expression).matches(tags)).isEqualTo(expected);
        assertThat(TagReference.matches(expression, tags)).as("reference").isEqualTo(expected);
    }

    @Test
    void aJobsListOfExpressionsMustAllMatch() {
        List<TagExpression> euWithoutKyb = TagExpression.parseAll(List.of("REG:EU", "!IS_KYB"));
        assertThat(TagExpression.matchesAll(euWithoutKyb, ITALY)).isTrue();
        assertThat(TagExpression.matchesAll(euWithoutKyb, FRANCE)).as("KYB").isFalse();
        assertThat(TagExpression.matchesAll(euWithoutKyb, USA)).as("not EU").isFalse();
        assertThat(TagExpression.matchesAll(List.of(), UNTAGGED)).as("no filter").isTrue();
        assertThat(TagExpression.describe(euWithoutKyb)).isEqualTo("REG:EU and !IS_KYB");
    }

    @Test
    void keepsTheTextAndComparesByMeaning() {
        TagExpression written = TagExpression.parse("  CT:FR || ct:IT ");
        assertThat(written.text()).isEqualTo("CT:FR || ct:IT");
        assertThat(written).hasToString("CT:FR || ct:IT").isEqualTo(TagExpression.parse("ct:fr||CT:it"))
                .hasSameHashCodeAs(TagExpression.parse("ct:fr||CT:it")).isNotEqualTo(TagExpression.parse("CT:IT||CT:FR"));
        assertThat(TagExpression.parse("!IS_KYB")).isNotEqualTo(TagExpression.parse("IS_KYB"));
    }

    @Test
    void keysAreMatchedWhateverTheirCase() {
        Map<String, String> mixed = new HashMap<>();
        mixed.put("ct", "it");
        mixed.put("Dc", null);
        assertThat(TagExpression.normalize(mixed)).isEqualTo(Map.of("CT", "it", "DC", ""));
        assertThat(TagExpression.parse("DC").matches(mixed)).as("a null value reads as \"\"").isTrue();
        assertThat(TagExpression.parse("CT:IT").matches(mixed)).isTrue();
        Map<String, String> upper = Map.of("CT", "FR", "IS_KYB", "true");
        assertThat(TagExpression.normalize(upper)).isSameAs(upper);
        Map<String, String> twice = Map.of("ct", "it", "CT", "FR");
        assertThat(TagExpression.normalize(twice)).as("the key that sorts first wins").isEqualTo(Map.of("CT", "FR"));
        assertThat(TagExpression.parse("CT:FR").matches(twice)).isTrue();
        assertThat(TagExpression.parse("CT:IT").matches(twice)).isFalse();
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("", "tag expression \"\" is empty"),
                Arguments.of("   ", "is empty"),
                Arguments.of("CT:FR||", "tag expression \"CT:FR||\" has an empty term at position 7 ('||' must be followed by a term)"),
                Arguments.of("||CT:FR", "has an empty term at position 0 (an expression starts with a term)"),
                Arguments.of("CT:FR|||CT:IT", "has an empty term at position 7"),
                Arguments.of("CT:FR||  ||CT:IT", "has an empty term at position 9"),
                Arguments.of("CT:FR|CT:IT", "has a single '|' at position 5 (alternatives are separated by '||')"),
                Arguments.of("CT:FR|", "has a single '|' at position 5"),
                Arguments.of("CT:FR && REG:EU", "uses '&&' at position 6 (to require several tags, give them as separate"),
                Arguments.of("CT:FR&&REG:EU", "uses '&&' at position 5"),
                Arguments.of("CT: FR", "has whitespace inside the term \"CT: FR\" at position 3"),
                Arguments.of("CT:FR||C T", "has whitespace inside the term \"C T\" at position 8"),
                Arguments.of("!", "has a '!' with nothing to negate at position 0"),
                Arguments.of("CT:FR || !", "has a '!' with nothing to negate at position 9"),
                Arguments.of("!!IS_KYB", "has '!' in the key of the term \"!!IS_KYB\" at position 1 ('!' goes once, before the whole term)"),
                Arguments.of("CT:!FR", "has '!' inside the term \"CT:!FR\" at position 3 ('!' goes once, before the whole term)"),
                Arguments.of("IS_KYB!", "has '!' in the key of the term \"IS_KYB!\" at position 6"),
                Arguments.of(":FR", "has a term \":FR\" without a key before ':' at position 0"),
                Arguments.of("!:FR", "without a key before ':' at position 1"),
                Arguments.of("CT:", "has a term \"CT:\" without a value after ':' at position 2 (use CT:* for any value)"),
                Arguments.of("CT:FR||DC:", "without a value after ':' at position 9 (use DC:* for any value)"),
                Arguments.of("C*:FR", "has '*' in the key of the term \"C*:FR\" at position 1 ('*' is a wildcard in values"),
                Arguments.of("*:FR", "has '*' in the key"),
                Arguments.of("**", "has '*' in the key"),
                Arguments.of("CT=FR", "has '=' in the key of the term \"CT=FR\" at position 2 (keys are letters, digits"),
                Arguments.of("CT:FR,CT:IT", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedExpressionsAreRejectedWithWhereAndWhy(String expression, String message) {
        if (message == null) {
            // a comma is an ordinary value character: this matches the value "FR,CT:IT", which is legal if unusual
            assertThat(TagExpression.parse(expression).matches(Map.of("CT", "FR,CT:IT"))).isTrue();
            return;
        }
        assertThatThrownBy(() -> TagExpression.parse(expression)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void aMissingExpressionOrABadOneInAListIsNamed() {
        assertThatThrownBy(() -> TagExpression.parse(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tag expression is missing");
        assertThatThrownBy(() -> TagExpression.parseAll(List.of("CT:FR", "DC:"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("node tag filter 2 of 2: tag expression \"DC:\" has a term");
        assertThatThrownBy(() -> TagExpression.parseAll(List.of("DC:"))).hasMessageStartingWith("tag expression \"DC:\"");
    }

    /** Random well-formed expressions against random tag maps agree with the naive reference implementation. */
    @Test
    void agreesWithTheReferenceOnRandomExpressions() {
        String[] keys = {"CT", "ct", "DC", "IS_KYB", "REG", "GPU"};
        String[] values = {"FR", "fr", "IT", "ovh-gra", "ovh-sbg", "aws-eu-1", "true", "false", "FALSE", "", "eu", "EU", "a*b"};
        for (long seed = 1; seed <= 300; seed++) {
            Random random = new Random(seed);
            List<Map<String, String>> nodes = new ArrayList<>();
            for (int n = 0; n < 20; n++) {
                Map<String, String> tags = new HashMap<>();
                for (int t = random.nextInt(4); t > 0; t--) {
                    String key = keys[random.nextInt(keys.length)];
                    // one key in two cases is a case of its own (see keysAreMatchedWhateverTheirCase)
                    if (tags.keySet().stream().noneMatch(key::equalsIgnoreCase)) {
                        tags.put(key, values[random.nextInt(values.length)]);
                    }
                }
                nodes.add(tags);
            }
            for (int e = 0; e < 10; e++) {
                String expression = randomExpression(random, keys, values);
                TagExpression parsed = TagExpression.parse(expression);
                for (Map<String, String> tags : nodes) {
                    assertThat(parsed.matches(tags)).as("seed %d: %s on %s", seed, expression, tags)
                            .isEqualTo(TagReference.matches(expression, tags));
                }
            }
        }
    }

    static String randomExpression(Random random, String[] keys, String[] values) {
        List<String> terms = new ArrayList<>();
        for (int t = 1 + random.nextInt(3); t > 0; t--) {
            String negation = random.nextInt(3) == 0 ? "!" : "";
            String key = keys[random.nextInt(keys.length)];
            String value = values[random.nextInt(values.length)].replace("*", "");
            String atom = switch (random.nextInt(6)) {
                case 0 -> "*";
                case 1 -> key;
                case 2 -> key + ":*";
                default -> key + ":" + glob(random, value.isEmpty() ? "x" : value);
            };
            terms.add(negation + atom);
        }
        return String.join(random.nextBoolean() ? "||" : " || ", terms);
    }

    /** The value with some characters replaced by or preceded with '*'. */
    static String glob(Random random, String value) {
        StringBuilder glob = new StringBuilder();
        for (char c : value.toCharArray()) {
            int dice = random.nextInt(8);
            if (dice == 0) {
                glob.append('*');
            } else if (dice == 1) {
                glob.append('*').append(random.nextBoolean() ? Character.toUpperCase(c) : c);
            } else {
                glob.append(random.nextBoolean() ? Character.toUpperCase(c) : c);
            }
        }
        return glob.toString();
    }
}
