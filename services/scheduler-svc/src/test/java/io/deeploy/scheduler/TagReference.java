package io.deeploy.scheduler;

import io.deeploy.events.TagExpression;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A deliberately naive second implementation of the tag grammar (split on "||", globs as regular expressions), used as
 * the oracle that {@code TagExpression} and the planner are checked against. Only for well-formed expressions.
 */
final class TagReference {

    private static final Map<String, String[]> TERMS = new ConcurrentHashMap<>();
    private static final Map<String, Pattern> GLOBS = new ConcurrentHashMap<>();

    private TagReference() {
    }

    static boolean matchesAll(Iterable<String> expressions, Map<String, String> tags) {
        for (String expression : expressions) {
            if (!matches(expression, tags)) {
                return false;
            }
        }
        return true;
    }

    static boolean matches(String expression, Map<String, String> tags) {
        for (String rawTerm : TERMS.computeIfAbsent(expression, e -> e.split("\\|\\|"))) {
            String term = rawTerm.strip();
            boolean negated = term.startsWith("!");
            if (negated) {
                term = term.substring(1);
            }
            if (termMatches(term, tags) != negated) {
                return true;
            }
        }
        return false;
    }

    private static boolean termMatches(String term, Map<String, String> tags) {
        if (term.equals("*")) {
            return true;
        }
        int colon = term.indexOf(':');
        String key = colon < 0 ? term : term.substring(0, colon);
        Pattern value = colon < 0 ? null : GLOBS.computeIfAbsent(term.substring(colon + 1), glob -> Pattern.compile(
                Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*")),
                Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.DOTALL));
        return tags.entrySet().stream().filter(tag -> tag.getKey().equalsIgnoreCase(key)).map(tag -> tag.getValue() == null ? "" : tag.getValue())
                .anyMatch(v -> value == null ? !v.equalsIgnoreCase("false") : value.matcher(v).matches());
    }
}
