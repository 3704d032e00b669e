package io.deeploy.scheduler.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EscrowClientTest {

    @Test
    void theClockIsReadFromEscrowSvcsChainView() throws Exception {
        EscrowClient.EpochClock clock = EscrowClient.parse(
                "{\"chainId\":31337,\"genesis\":1795000000,\"epochLengthSeconds\":3600,\"currentEpoch\":2}");
        assertThat(clock.genesis()).isEqualTo(Instant.ofEpochSecond(1795000000));
        assertThat(clock.length()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void anEscrowWithoutContractsGivesNoClock() throws Exception {
        assertThat(EscrowClient.parse("{\"chainId\":31337,\"genesis\":null,\"epochLengthSeconds\":null}")).isNull();
        assertThat(EscrowClient.parse("{\"chainId\":31337,\"genesis\":5,\"epochLengthSeconds\":0}")).isNull();
    }
}
