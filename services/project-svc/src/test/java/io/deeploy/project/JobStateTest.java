package io.deeploy.project;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.project.service.JobState;
import org.junit.jupiter.api.Test;

class JobStateTest {

    @Test
    void theHappyPathIsAllowed() {
        assertThat(JobState.REQUESTED.canMoveTo(JobState.SCHEDULED)).isTrue();
        assertThat(JobState.SCHEDULED.canMoveTo(JobState.BUILDING)).isTrue();
        assertThat(JobState.BUILDING.canMoveTo(JobState.RUNNING)).isTrue();
        assertThat(JobState.RUNNING.canMoveTo(JobState.REDEPLOYING)).isTrue();
        assertThat(JobState.REDEPLOYING.canMoveTo(JobState.RUNNING)).isTrue();
        assertThat(JobState.RUNNING.canMoveTo(JobState.STOPPING)).isTrue();
        assertThat(JobState.STOPPING.canMoveTo(JobState.STOPPED)).isTrue();
    }

    @Test
    void lateEventsCannotReviveAStoppingOrStoppedJob() {
        for (JobState target : JobState.values()) {
            assertThat(JobState.STOPPED.canMoveTo(target)).as("STOPPED -> %s", target).isFalse();
            assertThat(JobState.STOPPING.canMoveTo(target)).as("STOPPING -> %s", target).isEqualTo(target == JobState.STOPPED);
        }
        assertThat(JobState.STOPPED.isFinal()).isTrue();
        assertThat(JobState.RUNNING.isLive()).isTrue();
        assertThat(JobState.FAILED.isLive()).isFalse();
    }

    @Test
    void onlyFundingLeadsToRequestedAndNothingGoesBack() {
        for (JobState from : JobState.values()) {
            assertThat(from.canMoveTo(JobState.REQUESTED)).as("%s -> REQUESTED", from).isEqualTo(from == JobState.AWAITING_FUNDS);
        }
        // A job waiting for its funds runs nowhere: stopping it needs no node's confirmation.
        assertThat(JobState.AWAITING_FUNDS.canMoveTo(JobState.STOPPED)).isTrue();
        assertThat(JobState.AWAITING_FUNDS.canMoveTo(JobState.SCHEDULED)).isFalse();
    }
}
