package io.deeploy.project.service;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The lifecycle of a job, written down once. A status event that would make a transition not listed here is
 * out of date (for example a late BuildStarted after the job stopped) and is ignored.
 */
public enum JobState {
    /** Billing in escrow mode: stored, not yet scheduled; waits for its funds to be locked on chain. */
    AWAITING_FUNDS,
    REQUESTED,
    SCHEDULED,
    BUILDING,
    RUNNING,
    REDEPLOYING,
    FAILED,
    STOPPING,
    STOPPED;

    private static final Map<JobState, Set<JobState>> NEXT = new EnumMap<>(JobState.class);

    static {
        NEXT.put(AWAITING_FUNDS, EnumSet.of(REQUESTED, STOPPED));
        NEXT.put(REQUESTED, EnumSet.of(SCHEDULED, FAILED, STOPPING));
        NEXT.put(SCHEDULED, EnumSet.of(BUILDING, RUNNING, FAILED, STOPPING, SCHEDULED));
        NEXT.put(BUILDING, EnumSet.of(RUNNING, FAILED, STOPPING, SCHEDULED));
        NEXT.put(RUNNING, EnumSet.of(REDEPLOYING, FAILED, STOPPING, SCHEDULED));
        NEXT.put(REDEPLOYING, EnumSet.of(RUNNING, FAILED, STOPPING, SCHEDULED));
        // A failed job can come back when its agent restarts it (restart policy) or a new commit builds.
        NEXT.put(FAILED, EnumSet.of(BUILDING, REDEPLOYING, RUNNING, STOPPING, SCHEDULED));
        NEXT.put(STOPPING, EnumSet.of(STOPPED));
        NEXT.put(STOPPED, EnumSet.noneOf(JobState.class));
    }

    public boolean canMoveTo(JobState target) {
        return NEXT.get(this).contains(target);
    }

    /** True once nothing more will happen to the job. */
    public boolean isFinal() {
        return this == STOPPED;
    }

    /** True while the job holds (or is about to hold) resources and its alias. */
    public boolean isLive() {
        return this != STOPPED && this != FAILED;
    }
}
