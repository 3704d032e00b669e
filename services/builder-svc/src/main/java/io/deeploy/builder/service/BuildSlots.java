package io.deeploy.builder.service;

import io.deeploy.builder.config.NodeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.Semaphore;

/**
 * Bounds the builds and image pulls that run at once on the node: each takes the node's CPU, disk and network, and a
 * burst of deployments (a redeploy storm of twenty jobs on one branch) must not run them all together.
 */
@ApplicationScoped
public class BuildSlots {

    private final Semaphore slots;

    public BuildSlots(NodeConfig config) {
        this.slots = new Semaphore(Math.max(1, config.maxConcurrentBuilds()), true);
    }

    /** Holds a slot for the body; waits for one first. */
    public <T> T run(SlotWork<T> work) throws Exception {
        slots.acquire();
        try {
            return work.call();
        } finally {
            slots.release();
        }
    }

    /** Work done in a slot. */
    @FunctionalInterface
    public interface SlotWork<T> {
        T call() throws Exception;
    }
}
