package io.deeploy.tunnel.ingress;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The ingress's copy of the route table, read again whenever the file changes (looked at every {@code every} ms, off the
 * event loop). What was last read stays served when the file goes or a broken one appears: the apps keep serving
 * whatever happens to the service that writes the file. A missing file at start is an empty table (a fresh install).
 */
public final class RouteFileWatcher implements Supplier<RouteSnapshot> {

    private static final Logger LOG = Logger.getLogger(RouteFileWatcher.class.getName());

    private final Path file;
    private volatile RouteSnapshot current;
    /** What the file was when it was last read: its change time and size, so an unchanged file is not read again. */
    private volatile String seen = "";
    private long timer = -1;

    public RouteFileWatcher(Path file) {
        this.file = file;
    }

    /** Reads the table now, then again whenever it changes. */
    public void start(Vertx vertx, long every) {
        refresh();
        timer = vertx.setPeriodic(every, id -> vertx.executeBlocking(() -> {
            refresh();
            return null;
        }, false));
    }

    public void stop(Vertx vertx) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    @Override
    public RouteSnapshot get() {
        return current;
    }

    /** Reads the file if it changed since it was last read. */
    synchronized void refresh() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            String now = attributes.lastModifiedTime().toMillis() + "/" + attributes.size() + "/" + attributes.fileKey();
            if (now.equals(seen) && current != null) {
                return;
            }
            RouteSnapshot read = RouteSnapshot.read(file);
            seen = now;
            if (current == null || !read.equals(current)) {
                LOG.info(() -> "routes: " + read.aliases() + " app(s) from " + file);
            }
            current = read;
        } catch (NoSuchFileException e) {
            if (current == null) {
                LOG.info(() -> "routes: no route file at " + file + " yet; serving no app until tunnel-svc writes it");
                current = RouteSnapshot.EMPTY;
            }
        } catch (IOException | IllegalArgumentException e) {
            LOG.warning(() -> "routes: " + file + " not read (" + e.getMessage() + "); serving the table read before");
            if (current == null) {
                current = RouteSnapshot.EMPTY;
            }
        }
    }
}
