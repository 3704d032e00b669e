package io.deeploy.client;

import java.time.Instant;

/** A line of a job's output: its place in the job's log ({@code seq}), when and on which node it was written. */
public record LogLine(long seq, Instant at, String node, String text) {
}
