package io.deeploy.builder.client;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.LogContainerCmd;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import io.deeploy.node.api.LogBatch;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A container's output as numbered lines, read from the engine with the time it stamped on each: a line's number is
 * that time in nanoseconds since the epoch (one more than the line before's when two share a time), so reading the
 * same container again, by this agent or a restarted one, numbers its lines the same. Blocking.
 */
@ApplicationScoped
public class ContainerLogs {

    private final DockerClient docker;

    public ContainerLogs(DockerClient docker) {
        this.docker = docker;
    }

    /**
     * The lines the container wrote after line {@code after} (a number as this class gives them; with none, its last
     * {@code tail} lines), oldest first, each cut to {@link LogBatch#MAX_LINE_CHARS}. Empty if the container is gone.
     */
    public List<LogBatch.LogLine> linesAfter(String containerId, Long after, int tail) {
        LogContainerCmd command = docker.logContainerCmd(containerId).withStdOut(true).withStdErr(true).withTimestamps(true);
        if (after == null) {
            command.withTail(tail);
        } else {
            // Whole seconds: the lines of the second of the last one read come again and are skipped by number.
            command.withSince((int) (after / 1_000_000_000L));
        }
        List<LogBatch.LogLine> read = new ArrayList<>();
        StringBuilder partial = new StringBuilder();
        try {
            command.exec(new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame frame) {
                    partial.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                    int end;
                    while ((end = partial.indexOf("\n")) >= 0) {
                        addParsed(read, partial.substring(0, end));
                        partial.delete(0, end + 1);
                    }
                }
            }).awaitCompletion(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (NotFoundException e) {
            return List.of();
        }
        if (!partial.isEmpty()) {
            addParsed(read, partial.toString());
        }
        return after == null ? read : read.stream().filter(line -> line.number() > after).toList();
    }

    /** Adds an engine line ("<RFC 3339 time> <text>"), numbered after the line before it; skips what is not one. */
    static void addParsed(List<LogBatch.LogLine> lines, String stamped) {
        int space = stamped.indexOf(' ');
        Instant at;
        try {
            at = Instant.parse(space < 0 ? stamped : stamped.substring(0, space));
        } catch (DateTimeParseException e) {
            return;
        }
        String text = space < 0 ? "" : stamped.substring(space + 1).stripTrailing();
        if (text.length() > LogBatch.MAX_LINE_CHARS) {
            text = text.substring(0, LogBatch.MAX_LINE_CHARS);
        }
        long number = at.getEpochSecond() * 1_000_000_000L + at.getNano();
        if (!lines.isEmpty() && number <= lines.get(lines.size() - 1).number()) {
            number = lines.get(lines.size() - 1).number() + 1;
        }
        lines.add(new LogBatch.LogLine(number, at, text));
    }
}
