package io.deeploy.e2e;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The secrets this run's tests hand the platform (tokens, secret env values, passwords, grants, the services' own
 * credentials), registered where they are made, so that {@link LeakScanE2EIT} looks for every one of them in every log
 * and on every topic once the other tests are done. All e2e classes run in one JVM, so one registry sees them all.
 */
final class LeakScan {

    /** Shorter values (a port, "true") would be found by chance; every secret here is long and random. */
    static final int MIN_LENGTH = 8;

    private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();
    private static final Set<Path> LOG_DIRECTORIES = ConcurrentHashMap.newKeySet();

    private LeakScan() {
    }

    /** Registers {@code value} as a secret of this run; returns it, so it can be registered where it is made. */
    static String secret(String value) {
        if (value == null || value.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("a secret to scan for must have at least " + MIN_LENGTH + " characters");
        }
        SECRETS.add(value);
        return value;
    }

    static Set<String> secrets() {
        return Set.copyOf(SECRETS);
    }

    /** Registers where a platform of this run writes its services' logs (not what earlier runs left beside them). */
    static void logsIn(Path directory) {
        LOG_DIRECTORIES.add(directory);
    }

    static Set<Path> logDirectories() {
        return Set.copyOf(LOG_DIRECTORIES);
    }

    /** What a report may say of a secret: its start and length, never the value. */
    static String describe(String secret) {
        return secret.substring(0, Math.min(4, secret.length())) + "… (" + secret.length() + " characters)";
    }
}
