package io.deeploy.events;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One node-tag filter of a job, in the seed's grammar; parsed once, then matched against the tags of many nodes.
 *
 * <h2>Grammar</h2>
 * <pre>
 * expression = term { "||" term }        the expression matches when any of its terms matches (OR)
 * term       = [ "!" ] atom               "!" negates the whole term
 * atom       = "*"                        every node
 *            | key                        the node has the tag and its value is not "false"
 *            | key ":" value              the node has the tag with this value
 * key        = one or more of  A-Z a-z 0-9 _ - .
 * value      = one or more characters other than whitespace, "|", "!" and "&amp;&amp;";
 *              "*" in a value matches any run of characters (including none)
 * </pre>
 * Whitespace around a term is ignored; whitespace inside a term is an error. A job's {@code nodeTags} is a list of
 * expressions that must all match (AND), see {@link #matchesAll}; there is no "&amp;&amp;" inside an expression.
 *
 * <h2>Matching a node</h2>
 * A node reports its tags in its heartbeats as a map, e.g. {@code {CT=FR, REG=EU, IS_KYB=true, DC=ovh-gra}}. Keys and
 * values compare case-insensitively ({@code ct:fr} matches {@code CT=FR}); see {@link #normalize} for a map that holds
 * one key in two cases.
 * <ul>
 * <li>{@code CT:FR} — the node has key CT with value FR;</li>
 * <li>{@code DC:ovh-*}, {@code DC:*-gra} — the value matches the glob; hence {@code DC:*} — the node has a DC tag,
 *     whatever its value;</li>
 * <li>{@code IS_KYB} — the node has the key and its value is not {@code false} ({@code IS_KYB=true}, {@code =yes} and
 *     {@code =""} match; {@code IS_KYB=false} and a node without the key do not);</li>
 * <li>{@code !IS_KYB} — the opposite: nodes without the key or with {@code IS_KYB=false}; {@code !CT:FR} — nodes not
 *     in France, including nodes without a CT tag;</li>
 * <li>{@code CT:FR||CT:IT} — France or Italy; {@code *} — any node; {@code !*} — none.</li>
 * </ul>
 *
 * <h2>Errors</h2>
 * {@link #parse} throws {@link IllegalArgumentException} with a message that quotes the expression and names the
 * 0-based position and the term at fault, e.g. {@code tag expression "CT:FR||" has an empty term at position 7}, so
 * that an API can return it to the user as is.
 */
public final class TagExpression {

    private final String text;
    private final List<Term> terms;
    /** The terms in lower case joined by "||": equal for expressions that match the same way. */
    private final String canonical;

    private TagExpression(String text, List<Term> terms) {
        this.text = text;
        this.terms = terms;
        this.canonical = String.join("||", terms.stream().map(Term::canonical).toList());
    }

    /** Parses one expression; throws {@link IllegalArgumentException} saying where and why it is malformed. */
    public static TagExpression parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("tag expression is missing");
        }
        if (text.isBlank()) {
            throw new IllegalArgumentException("tag expression \"" + text + "\" is empty");
        }
        int andAt = text.indexOf("&&");
        if (andAt >= 0) {
            throw error(text, andAt, "uses '&&'",
                    "to require several tags, give them as separate expressions, which must all match");
        }
        List<Term> terms = new ArrayList<>();
        int length = text.length();
        int position = 0;
        while (true) {
            int end = text.indexOf('|', position);
            if (end < 0) {
                end = length;
            }
            int start = position;
            while (start < end && Character.isWhitespace(text.charAt(start))) {
                start++;
            }
            int stop = end;
            while (stop > start && Character.isWhitespace(text.charAt(stop - 1))) {
                stop--;
            }
            if (start == stop) {
                throw error(text, start, "has an empty term",
                        position == 0 ? "an expression starts with a term" : "'||' must be followed by a term");
            }
            terms.add(Term.parse(text, start, stop));
            if (end == length) {
                break;
            }
            if (end + 1 == length || text.charAt(end + 1) != '|') {
                throw error(text, end, "has a single '|'", "alternatives are separated by '||'");
            }
            position = end + 2;
        }
        return new TagExpression(text.strip(), List.copyOf(terms));
    }

    /** Parses a job's list of expressions; the message of a malformed one says which (1-based) it is. */
    public static List<TagExpression> parseAll(List<String> texts) {
        List<TagExpression> parsed = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            try {
                parsed.add(parse(texts.get(i)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(texts.size() == 1 ? e.getMessage()
                        : "node tag filter " + (i + 1) + " of " + texts.size() + ": " + e.getMessage(), e);
            }
        }
        return List.copyOf(parsed);
    }

    /** Whether a node with these tags matches every expression (the AND of a job's list); true for an empty list. */
    public static boolean matchesAll(List<TagExpression> expressions, Map<String, String> tags) {
        return matchesAllNormalized(expressions, expressions.isEmpty() ? tags : normalize(tags));
    }

    /** Whether a node with these tags matches this expression (any of its terms). */
    public boolean matches(Map<String, String> tags) {
        return matchesNormalized(normalize(tags));
    }

    /**
     * A node's tags as they are matched: keys in upper case (so that a lookup replaces a case-insensitive scan), no
     * null values (read as ""). Returns {@code tags} itself when it is in that form already, an unmodifiable copy
     * otherwise. A node that reports one key in several cases keeps the value of the key that sorts first
     * ({@code CT} before {@code Ct} before {@code ct}).
     */
    public static Map<String, String> normalize(Map<String, String> tags) {
        boolean normal = true;
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            if (tag.getValue() == null || !isUpperCase(tag.getKey())) {
                normal = false;
                break;
            }
        }
        if (normal) {
            return tags;
        }
        Map<String, String> normalized = new HashMap<>();
        for (Map.Entry<String, String> tag : new TreeMap<>(tags).entrySet()) {
            normalized.putIfAbsent(tag.getKey().toUpperCase(Locale.ROOT), tag.getValue() == null ? "" : tag.getValue());
        }
        return Collections.unmodifiableMap(normalized);
    }

    /** As {@link #matchesAll}, for tags already {@link #normalize normalized} (as the scheduler's cluster snapshot holds them). */
    public static boolean matchesAllNormalized(List<TagExpression> expressions, Map<String, String> normalizedTags) {
        for (TagExpression expression : expressions) {
            if (!expression.matchesNormalized(normalizedTags)) {
                return false;
            }
        }
        return true;
    }

    private boolean matchesNormalized(Map<String, String> normalizedTags) {
        for (Term term : terms) {
            if (term.matches(normalizedTags)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isUpperCase(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.toUpperCase(c) != c) {
                return false;
            }
        }
        return true;
    }

    /** The expression as written, without surrounding whitespace; what reasons shown to users quote. */
    public String text() {
        return text;
    }

    /** The expressions' texts joined with " and ", for messages. */
    public static String describe(List<TagExpression> expressions) {
        return String.join(" and ", expressions.stream().map(TagExpression::text).toList());
    }

    @Override
    public String toString() {
        return text;
    }

    /** Two expressions are equal when they match the same way: case and whitespace around terms do not count. */
    @Override
    public boolean equals(Object other) {
        return other instanceof TagExpression expression && canonical.equals(expression.canonical);
    }

    @Override
    public int hashCode() {
        return canonical.hashCode();
    }

    private static IllegalArgumentException error(String text, int position, String problem, String hint) {
        return new IllegalArgumentException("tag expression \"" + text + "\" " + problem + " at position " + position
                + (hint == null ? "" : " (" + hint + ")"));
    }

    /**
     * One alternative of an expression: the key in upper case, the value as written (compared ignoring case). A value
     * without '*' has one part, a glob the literal pieces around its stars. A null key means '*' alone (every node);
     * null value parts mean a bare key.
     */
    private record Term(boolean negated, String key, List<String> valueParts) {

        static Term parse(String text, int start, int stop) {
            String raw = text.substring(start, stop);
            for (int i = 0; i < raw.length(); i++) {
                if (Character.isWhitespace(raw.charAt(i))) {
                    throw error(text, start + i, "has whitespace inside the term \"" + raw + "\"", null);
                }
            }
            boolean negated = raw.charAt(0) == '!';
            int bodyAt = negated ? 1 : 0;
            if (bodyAt == raw.length()) {
                throw error(text, start, "has a '!' with nothing to negate", null);
            }
            String body = raw.substring(bodyAt);
            if (body.equals("*")) {
                return new Term(negated, null, null);
            }
            int colon = body.indexOf(':');
            String key = colon < 0 ? body : body.substring(0, colon);
            if (key.isEmpty()) {
                throw error(text, start + bodyAt, "has a term \"" + raw + "\" without a key before ':'", null);
            }
            for (int i = 0; i < key.length(); i++) {
                char c = key.charAt(i);
                if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.')) {
                    String hint = c == '!' ? "'!' goes once, before the whole term"
                            : c == '*' ? "'*' is a wildcard in values (KEY:*) or a whole term" : "keys are letters, digits, '_', '-' and '.'";
                    throw error(text, start + bodyAt + i, "has '" + c + "' in the key of the term \"" + raw + "\"", hint);
                }
            }
            if (colon < 0) {
                return new Term(negated, key.toUpperCase(Locale.ROOT), null);
            }
            String value = body.substring(colon + 1);
            if (value.isEmpty()) {
                throw error(text, start + bodyAt + colon, "has a term \"" + raw + "\" without a value after ':'",
                        "use " + key + ":* for any value");
            }
            int bang = value.indexOf('!');
            if (bang >= 0) {
                throw error(text, start + bodyAt + colon + 1 + bang, "has '!' inside the term \"" + raw + "\"",
                        "'!' goes once, before the whole term");
            }
            return new Term(negated, key.toUpperCase(Locale.ROOT), List.of(value.split("\\*", -1)));
        }

        String canonical() {
            String atom = key == null ? "*" : valueParts == null ? key : key + ":" + String.join("*", valueParts);
            return (negated ? "!" : "") + atom.toLowerCase(Locale.ROOT);
        }

        boolean matches(Map<String, String> normalizedTags) {
            return negated != matchesUnnegated(normalizedTags);
        }

        private boolean matchesUnnegated(Map<String, String> normalizedTags) {
            if (key == null) {
                return true;
            }
            String value = normalizedTags.get(key);
            if (value == null) {
                return false;
            }
            return valueParts == null ? !value.equalsIgnoreCase("false") : globMatches(value);
        }

        /**
         * The value starts with the first part, ends with the last, and holds the middle ones in order between them;
         * taking each middle part at its leftmost place is enough, because a later place could only leave less room.
         */
        private boolean globMatches(String value) {
            int parts = valueParts.size();
            String first = valueParts.get(0);
            if (parts == 1) {
                return value.equalsIgnoreCase(first);
            }
            if (!value.regionMatches(true, 0, first, 0, first.length())) {
                return false;
            }
            int from = first.length();
            for (int p = 1; p < parts - 1; p++) {
                String part = valueParts.get(p);
                int found = indexOfIgnoreCase(value, part, from);
                if (found < 0) {
                    return false;
                }
                from = found + part.length();
            }
            String last = valueParts.get(parts - 1);
            int lastAt = value.length() - last.length();
            return lastAt >= from && value.regionMatches(true, lastAt, last, 0, last.length());
        }

        private static int indexOfIgnoreCase(String value, String part, int from) {
            for (int i = from; i + part.length() <= value.length(); i++) {
                if (value.regionMatches(true, i, part, 0, part.length())) {
                    return i;
                }
            }
            return -1;
        }
    }

}
