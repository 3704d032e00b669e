package io.deeploy.escrow;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deeploy.escrow.service.SettlementService;
import io.deeploy.events.payload.NodeAvailability;
import io.deeploy.events.payload.SettlementDue;
import io.deeploy.outbox.RejectedEventException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettlementCheckTest {

    @Test
    void wellFormedAttestationsPass() {
        assertThatCode(() -> SettlementService.check(new SettlementDue("j", 3,
                List.of(new NodeAvailability("a", 1000), new NodeAvailability("b", 0))))).doesNotThrowAnyException();
    }

    @Test
    void impossibleAttestationsAreRejectedForGood() {
        assertThatThrownBy(() -> SettlementService.check(new SettlementDue("j", -1, List.of(new NodeAvailability("a", 1)))))
                .isInstanceOf(RejectedEventException.class).hasMessageContaining("negative");
        assertThatThrownBy(() -> SettlementService.check(new SettlementDue("j", 1, List.of())))
                .isInstanceOf(RejectedEventException.class).hasMessageContaining("no node availability");
        assertThatThrownBy(() -> SettlementService.check(new SettlementDue("j", 1, List.of(new NodeAvailability("a", 1001)))))
                .isInstanceOf(RejectedEventException.class).hasMessageContaining("not 0-1000");
        assertThatThrownBy(() -> SettlementService.check(new SettlementDue("j", 1,
                List.of(new NodeAvailability("a", 1), new NodeAvailability("a", 2)))))
                .isInstanceOf(RejectedEventException.class).hasMessageContaining("attested twice");
    }
}
