package io.deeploy.events.payload;

/** A file the job provides (a configuration, say), mounted read-only at {@code mountPath} in its containers. */
public record FileVolume(String name, String mountPath, String content) {
}
