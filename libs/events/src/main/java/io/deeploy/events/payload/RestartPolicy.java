package io.deeploy.events.payload;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What happens when a job's app exits or cannot start, by its spec's {@code restartPolicy} (the seed's values, written
 * in specs and events as {@link #wireName()}: "always", "unless-stopped", "on-failure", "no"): it is started again after
 * a backoff that doubles with every failure in a row, or it is not. project-svc refuses a request with another value
 * ({@link #parse}); the agent reads what a spec names ({@link #of}).
 */
public enum RestartPolicy {
    ALWAYS,
    UNLESS_STOPPED,
    ON_FAILURE,
    NO;

    /** The policy of a job that names none, the seed's default for apps. */
    public static final RestartPolicy DEFAULT = ALWAYS;

    /** As written in a spec: lower case, words joined by '-'. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Every policy's {@link #wireName()}, for messages. */
    public static List<String> wireNames() {
        return Arrays.stream(values()).map(RestartPolicy::wireName).toList();
    }

    /**
     * The policy a request names, in any case; {@link #DEFAULT} when it names none; an IllegalArgumentException for any
     * other value.
     */
    public static RestartPolicy parse(String name) {
        if (name == null) {
            return DEFAULT;
        }
        for (RestartPolicy policy : values()) {
            if (policy.wireName().equalsIgnoreCase(name)) {
                return policy;
            }
        }
        throw new IllegalArgumentException("restartPolicy must be one of " + wireNames());
    }

    /** The policy a spec names; an absent or unknown one is {@link #DEFAULT} (a spec from an older or foreign producer). */
    public static RestartPolicy of(String name) {
        try {
            return parse(name == null ? null : name.strip());
        } catch (IllegalArgumentException e) {
            return DEFAULT;
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
