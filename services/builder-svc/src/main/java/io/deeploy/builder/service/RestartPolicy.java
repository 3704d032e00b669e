package io.deeploy.builder.service;

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
}
