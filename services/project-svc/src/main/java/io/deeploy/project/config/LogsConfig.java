package io.deeploy.project.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How much of each job's output the platform keeps, and how a follower of it is fed. */
@ConfigMapping(prefix = "deeploy.logs")
public interface LogsConfig {

    /** Lines kept per job and source (build, app); older ones are trimmed as new ones arrive. */
    @WithDefault("5000")
    int linesKept();

    /** How often a follower ({@code follow=true}) is sent what arrived since. */
    @WithDefault("500ms")
    Duration followInterval();
}
