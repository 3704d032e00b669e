package io.deeploy.scheduler.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "deeploy.scheduler")
public interface SchedulerConfig {

    /** A node whose last heartbeat is older than this is LOST and gets no new placements. */
    @WithDefault("30s")
    Duration nodeLostAfter();

    /** How often LOST nodes are detected and waiting jobs are tried again. */
    @WithDefault("5s")
    Duration sweepInterval();
}
