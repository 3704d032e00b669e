package io.deeploy.events;

import java.time.Duration;
import java.util.Objects;

/**
 * The platform's one rule for waiting after failures in a row: the first wait, doubled after each further failure, never
 * above a ceiling. Used wherever something is tried again (a consumer's effect, an app's restart, a tunnel engine, a
 * node's reports, a repository's polls), so that they all back off alike.
 */
public record Backoff(Duration first, Duration max) {

    public Backoff {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(max, "max");
        if (first.isNegative() || max.isNegative()) {
            throw new IllegalArgumentException("a backoff from " + first + " up to " + max);
        }
    }

    /** The wait after {@code failures} failures in a row (1 or more): first × 2^(failures − 1), at most max. */
    public Duration after(int failures) {
        int doublings = Math.min(Math.max(failures - 1, 0), 40);
        long millis = first.toMillis();
        for (int i = 0; i < doublings && millis < max.toMillis(); i++) {
            millis *= 2;
        }
        return millis >= max.toMillis() ? max : Duration.ofMillis(millis);
    }
}
