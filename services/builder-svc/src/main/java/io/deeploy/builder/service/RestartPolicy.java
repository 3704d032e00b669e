package io.deeploy.builder.service;

import java.time.Duration;
import java.util.Locale;

/**
 * What happens when a job's app exits or cannot start, by its spec's {@code restartPolicy} (the seed's values): it is
 * started again after a backoff that doubles with every failure in a row, or it is not.
 */
public enum RestartPolicy {
    ALWAYS,
    UNLESS_STOPPED,
    ON_FAILURE,
    NO;

    /** The policy a spec names; an absent or unknown one is {@link #ALWAYS}, the seed's default for apps. */
    public static RestartPolicy of(String name) {
        if (name == null) {
            return ALWAYS;
        }
        try {
            return valueOf(name.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            return ALWAYS;
        }
    }

    /** Whether an app that exited with {@code exitCode} (null: gone, or never started) is started again. */
    public boolean restarts(Long exitCode) {
        return switch (this) {
            case ALWAYS, UNLESS_STOPPED -> true;
            case ON_FAILURE -> exitCode == null || exitCode != 0;
            case NO -> false;
        };
    }

    /** initial × 2^(failures−1), at most {@code max}. */
    public static Duration backoff(Duration initial, Duration max, int failures) {
        long factor = 1L << Math.min(Math.max(failures - 1, 0), 20);
        long millis = initial.toMillis() * factor;
        return millis > max.toMillis() || millis < 0 ? max : Duration.ofMillis(millis);
    }
}
