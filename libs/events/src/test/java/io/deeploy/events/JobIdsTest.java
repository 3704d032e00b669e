package io.deeploy.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class JobIdsTest {

    @Test
    void aJobIdRoundTripsThroughItsRequestId() {
        for (int i = 0; i < 1000; i++) {
            String jobId = JobIds.newId();
            assertThat(jobId).hasSize(JobIds.MAX_LENGTH);
            assertThat(JobIds.wellFormed(jobId)).isTrue();
            byte[] requestId = JobIds.requestIdOf(jobId);
            assertThat(requestId).hasSize(32);
            assertThat(JobIds.jobIdOf(requestId)).contains(jobId);
        }
    }

    @Test
    void theLayoutIsTheUuidBytesThenZeros() {
        String expected = "0x0f8fad5bd9cb469fa16570867728950e00000000000000000000000000000000";
        assertThat(JobIds.requestIdHexOf("job-0f8fad5b-d9cb-469f-a165-70867728950e")).isEqualTo(expected);
        assertThat("0x" + HexFormat.of().formatHex(JobIds.requestIdOf("job-0f8fad5b-d9cb-469f-a165-70867728950e")))
                .isEqualTo(expected);
    }

    @Test
    void otherRequestIdsNameNoBackendJob() {
        assertThat(JobIds.jobIdOf(new byte[32])).isEmpty();
        byte[] tail = JobIds.requestIdOf(JobIds.newId());
        tail[31] = 1;
        assertThat(JobIds.jobIdOf(tail)).isEmpty();
        assertThat(JobIds.jobIdOf(new byte[16])).isEmpty();
        assertThat(JobIds.jobIdOf(null)).isEmpty();
    }

    @Test
    void onlyBackendJobIdsHaveARequestId() {
        for (String id : new String[] {"proj-" + UUID.randomUUID(), "job-nope", "job-1-2-3-4-5", null, "job-"}) {
            assertThatThrownBy(() -> JobIds.requestIdOf(id)).as(id).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void idsThatWouldBePathsOrOverflowAColumnAreRefused() {
        assertThat(JobIds.checked("job-2b0c1d2e-4a9a-4f5e-9a55-0c1d2b3a4f5e")).startsWith("job-");
        for (String id : new String[] {"..", ".", "a/b", "job-1/../x", "a:b", "", "-x", "job.1", null, "j".repeat(41)}) {
            assertThat(JobIds.wellFormed(id)).as(id).isFalse();
            assertThatThrownBy(() -> JobIds.checked(id)).as(id).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void volumeNamesThatWouldBePathsAreRefused() {
        assertThat(VolumeNames.checked("data-1", "volume")).isEqualTo("data-1");
        for (String name : new String[] {"../../etc/cron.d/x", "Data", "a/b", "", "a:b", "-a", "a".repeat(41), null}) {
            assertThatThrownBy(() -> VolumeNames.checked(name, "file volume")).as(name).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
