package io.deeploy.builder.service;

import com.sun.management.OperatingSystemMXBean;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.payload.Resources;
import java.lang.management.ManagementFactory;
import java.util.Collection;

/** What this node offers and what is left of it after its assignments. */
public final class NodeCapacity {

    private NodeCapacity() {
    }

    public static Resources offered(NodeConfig config) {
        long cpu = config.cpuMillis().orElse(Runtime.getRuntime().availableProcessors() * 1000L);
        long memory = config.memoryMb().orElseGet(() -> {
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            return os.getTotalMemorySize() / (1024 * 1024) * 3 / 4;
        });
        return new Resources(cpu, memory, config.gpus());
    }

    /** Capacity less the assigned jobs' requests, never below zero. */
    public static Resources free(Resources offered, Collection<Resources> assigned) {
        Resources used = assigned.stream().reduce(Resources.NONE, Resources::plus);
        Resources left = offered.minus(used);
        return new Resources(Math.max(0, left.cpuMillis()), Math.max(0, left.memoryMb()), Math.max(0, left.gpus()));
    }
}
