package io.deeploy.builder.service;

import io.deeploy.events.payload.JobSpec;
import java.nio.file.Path;
import java.time.Instant;

/**
 * What serves a job on this node now: the container of which version, made for which spec, on which published port,
 * from which build directory (WAR), and how often it has been restarted since it last ran long enough.
 */
record Serving(JobSpec spec, String specDigest, String version, String containerId, int hostPort, Path buildDir, int restarts,
        Instant since) {
}
