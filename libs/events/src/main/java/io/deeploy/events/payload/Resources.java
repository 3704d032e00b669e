package io.deeploy.events.payload;

/**
 * A quantity of node resources: CPU in thousandths of a core (1000 = one core), memory in MiB, whole GPUs.
 */
public record Resources(long cpuMillis, long memoryMb, int gpus) {

    public static final Resources NONE = new Resources(0, 0, 0);

    public boolean fitsIn(Resources available) {
        return cpuMillis <= available.cpuMillis && memoryMb <= available.memoryMb && gpus <= available.gpus;
    }

    public Resources plus(Resources other) {
        return new Resources(cpuMillis + other.cpuMillis, memoryMb + other.memoryMb, gpus + other.gpus);
    }

    public Resources minus(Resources other) {
        return new Resources(cpuMillis - other.cpuMillis, memoryMb - other.memoryMb, gpus - other.gpus);
    }
}
