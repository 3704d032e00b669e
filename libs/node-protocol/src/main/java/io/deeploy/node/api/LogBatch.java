package io.deeploy.node.api;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Lines of one job's output on one node, in order, as the node's agent sends them to the gateway
 * ({@link GatewayApi#logs}) and the gateway hands them to the platform's API, which keeps them for the job's owner
 * ({@code GET /api/jobs/{id}/logs}). {@code stream} names one container's output (a build's or the app's). Each line has
 * a number in its stream, rising, that the agent derives from the time the engine stamped on it (its nanoseconds), so a
 * line sent again, after a lost answer or by a restarted agent reading the container again, is kept once. Which node
 * sent it is never in the batch: the gateway knows it from the node's signature.
 */
public record LogBatch(String source, String stream, List<LogLine> lines) {

    /** A build's output, and the app's. */
    public static final Set<String> SOURCES = Set.of("build", "app");
    public static final int MAX_LINES = 500;
    /** Longer lines are cut to this many characters by the agent, and refused by the gateway. */
    public static final int MAX_LINE_CHARS = 4096;
    public static final int MAX_STREAM_CHARS = 128;
    /** The agent sends at most this many characters of text in one batch, well within the gateway's body limit. */
    public static final int MAX_BATCH_CHARS = 128 * 1024;

    public LogBatch {
        lines = lines == null ? List.of() : lines;
    }

    /** One line, without its line break: its number in the stream, and when its container wrote it. */
    public record LogLine(long number, Instant at, String text) {
    }

    /** Null when this batch may be kept, else what is wrong with it, naming the field. */
    public String problem() {
        if (source == null || !SOURCES.contains(source)) {
            return "source: build or app";
        }
        if (stream == null || stream.isBlank() || stream.length() > MAX_STREAM_CHARS || !stream.matches("[A-Za-z0-9._:-]+")) {
            return "stream: 1-" + MAX_STREAM_CHARS + " letters, digits, '.', '_', ':' or '-'";
        }
        if (lines.isEmpty() || lines.size() > MAX_LINES) {
            return "lines: 1-" + MAX_LINES + " lines";
        }
        long previous = -1;
        for (int i = 0; i < lines.size(); i++) {
            LogLine line = lines.get(i);
            if (line == null || line.number() <= previous || line.at() == null || line.text() == null
                    || line.text().length() > MAX_LINE_CHARS) {
                return "lines[" + i + "]: a number above the line before's, a time, and a text of at most "
                        + MAX_LINE_CHARS + " characters";
            }
            previous = line.number();
        }
        return null;
    }
}
