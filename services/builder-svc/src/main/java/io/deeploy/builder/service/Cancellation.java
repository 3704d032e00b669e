package io.deeploy.builder.service;

import io.deeploy.builder.client.ContainerRuntime;

/**
 * Lets a stop cut a job's deployment short: the work checks {@link #cancelled()} between its phases, and a build that is
 * running has its container removed at once, so a stop during a twenty-minute build does not wait for it.
 */
public final class Cancellation {

    private final ContainerRuntime containers;
    private volatile boolean cancelled;
    private volatile String buildContainer;

    public Cancellation(ContainerRuntime containers) {
        this.containers = containers;
    }

    public boolean cancelled() {
        return cancelled;
    }

    public void cancel() {
        cancelled = true;
        String running = buildContainer;
        if (running != null) {
            containers.remove(running);
        }
    }

    /** The build container now running, which a cancel removes; null when none. */
    void building(String containerId) {
        buildContainer = containerId;
        if (cancelled && containerId != null) {
            containers.remove(containerId);
        }
    }
}
