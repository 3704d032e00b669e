package io.deeploy.builder.service;

import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.builder.config.NodeConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/** Looks at every serving app container on a short period and tells its job's runner when one is no longer running. */
@ApplicationScoped
public class AppSupervisor {

    private static final Logger LOG = Logger.getLogger(AppSupervisor.class);

    private final Reconciler reconciler;
    private final ContainerRuntime containers;
    private final JobRunnerServices parts;
    private final NodeConfig config;

    public AppSupervisor(Reconciler reconciler, ContainerRuntime containers, JobRunnerServices parts, NodeConfig config) {
        this.reconciler = reconciler;
        this.containers = containers;
        this.parts = parts;
        this.config = config;
    }

    void start(@Observes StartupEvent startup) {
        long every = config.superviseInterval().toMillis();
        parts.timer.scheduleWithFixedDelay(this::supervise, every, every, TimeUnit.MILLISECONDS);
    }

    void supervise() {
        try {
            reconciler.servingContainers().forEach((jobId, containerId) -> {
                if (!containers.isRunning(containerId)) {
                    reconciler.containerExited(jobId, containerId);
                }
            });
        } catch (RuntimeException e) {
            LOG.warnf("supervision round failed: %s", e.getMessage());
        }
    }
}
