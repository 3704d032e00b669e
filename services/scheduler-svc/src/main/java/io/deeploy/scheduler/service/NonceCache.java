package io.deeploy.scheduler.service;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The gateway's replay cache: a node's nonce is accepted once. Only nonces inside the window need remembering (older
 * ones are refused as expired), and nonces signed before this gateway started are refused outright, so a request
 * captured before a restart cannot be replayed after it either. Memory: one entry per request in the window, for 10,000
 * nodes beating every 5 s and polling every 30 s about 150,000 longs.
 */
public final class NonceCache {

    private final Duration window;
    private final long startedAtMillis;
    private final Map<String, NavigableSet<Long>> seen = new ConcurrentHashMap<>();

    public NonceCache(Duration window, Instant startedAt) {
        this.window = window;
        this.startedAtMillis = startedAt.toEpochMilli();
    }

    /** Whether the nonce was signed after this gateway started (one signed earlier could be a capture from before). */
    public boolean signedSinceStart(long nonceMillis) {
        return nonceMillis >= startedAtMillis;
    }

    /** True the first time {@code nodeId} presents {@code nonceMillis}; false for a replay. */
    public boolean claim(String nodeId, long nonceMillis, Instant now) {
        NavigableSet<Long> nonces = seen.computeIfAbsent(nodeId, id -> new ConcurrentSkipListSet<>());
        boolean fresh = nonces.add(nonceMillis);
        long oldest = now.toEpochMilli() - window.toMillis();
        for (Iterator<Long> it = nonces.iterator(); it.hasNext() && it.next() < oldest; ) {
            it.remove();
        }
        return fresh;
    }
}
