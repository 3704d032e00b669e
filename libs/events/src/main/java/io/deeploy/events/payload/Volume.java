package io.deeploy.events.payload;

/** A persistent volume of a job, mounted at {@code mountPath}; it outlives redeploys and is removed with the job. */
public record Volume(String name, String mountPath) {
}
