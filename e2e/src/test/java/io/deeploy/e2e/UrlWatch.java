package io.deeploy.e2e;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A client that asks an app's public URL through the platform's ingress every 20 ms from a thread of its own, while a
 * test changes what serves it (a redeploy, a restart of a service): it counts the answers it expected and every other
 * one (an error page, a refused connection), keeping the last of those. Closing it stops it.
 */
final class UrlWatch implements AutoCloseable {

    private final AtomicBoolean polling = new AtomicBoolean(true);
    private final AtomicInteger served = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicReference<String> lastFailure = new AtomicReference<>();
    private final Thread client;

    UrlWatch(Platform platform, String url, Predicate<String> expected) {
        client = new Thread(() -> {
            while (polling.get()) {
                String page = platform.serve(url);
                if (expected.test(page)) {
                    served.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                    lastFailure.set(page);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "url-watch");
        client.start();
    }

    int served() {
        return served.get();
    }

    int failed() {
        return failed.get();
    }

    String lastFailure() {
        return lastFailure.get();
    }

    @Override
    public void close() throws InterruptedException {
        polling.set(false);
        client.join();
    }
}
