package io.deeploy.escrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deeploy.escrow.service.JobIds;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.web3j.utils.Numeric;

class JobIdsTest {

    @Test
    void aJobIdRoundTripsThroughItsRequestId() {
        for (int i = 0; i < 1000; i++) {
            String jobId = "job-" + UUID.randomUUID();
            byte[] requestId = JobIds.requestIdOf(jobId);
            assertThat(requestId).hasSize(32);
            assertThat(JobIds.jobIdOf(requestId)).contains(jobId);
        }
    }

    @Test
    void theLayoutIsTheUuidBytesThenZeros() {
        byte[] requestId = JobIds.requestIdOf("job-0f8fad5b-d9cb-469f-a165-70867728950e");
        assertThat(Numeric.toHexString(requestId))
                .isEqualTo("0x0f8fad5bd9cb469fa16570867728950e00000000000000000000000000000000");
    }

    @Test
    void otherRequestIdsNameNoBackendJob() {
        assertThat(JobIds.jobIdOf(new byte[32])).isEmpty();
        byte[] tail = JobIds.requestIdOf("job-" + UUID.randomUUID());
        tail[31] = 1;
        assertThat(JobIds.jobIdOf(tail)).isEmpty();
        assertThat(JobIds.jobIdOf(new byte[16])).isEmpty();
        assertThat(JobIds.jobIdOf(null)).isEmpty();
    }

    @Test
    void onlyBackendJobIdsHaveARequestId() {
        assertThatThrownBy(() -> JobIds.requestIdOf("proj-" + UUID.randomUUID())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JobIds.requestIdOf("job-nope")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JobIds.requestIdOf("job-1-2-3-4-5")).isInstanceOf(IllegalArgumentException.class);
    }
}
