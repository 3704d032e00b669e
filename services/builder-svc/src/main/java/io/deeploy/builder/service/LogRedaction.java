package io.deeploy.builder.service;

import java.util.Collection;
import java.util.Comparator;

/**
 * Takes a job's secret values out of its output before the output leaves the node: a build that prints its git remote
 * with the token, or an app that prints its environment, must not put a secret in the platform's logs (nor in an API
 * answer). Values shorter than {@link #MIN_LENGTH} are left alone: they would blank out ordinary text and hide nothing
 * worth hiding.
 */
final class LogRedaction {

    static final int MIN_LENGTH = 4;
    static final String MASK = "[secret]";

    private LogRedaction() {
    }

    /** {@code text} with every occurrence of each of {@code secrets} replaced by {@link #MASK}, longest first. */
    static String redact(String text, Collection<String> secrets) {
        if (secrets.isEmpty()) {
            return text;
        }
        String redacted = text;
        for (String secret : secrets.stream().filter(s -> s != null && s.length() >= MIN_LENGTH)
                .sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
            redacted = redacted.replace(secret, MASK);
        }
        return redacted;
    }
}
