package io.deeploy.escrow.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.events.EventType;
import io.deeploy.events.contract.EventContracts;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * escrow-svc still reads every recorded version of every event type its consumers apply: a producer's change to a payload
 * that loses or retypes a field of a recorded version fails this module's build, not only the end-to-end test.
 */
class ConsumedEventsContractTest {

    static Stream<EventType> consumed() {
        return Stream.of(JobEventsConsumer.CONSUMED, EscrowEventsConsumer.CONSUMED, OperatorEventsConsumer.CONSUMED)
                .flatMap(Set::stream).distinct();
    }

    @ParameterizedTest
    @MethodSource("consumed")
    void everyRecordedVersionOfAConsumedEventIsRead(EventType type) {
        assertThat(EventContracts.requireReadable(type)).hasSize(type.schemaVersion());
    }
}
