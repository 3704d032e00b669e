package io.deeploy.builder;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.builder.service.NodeCapacity;
import io.deeploy.events.payload.Resources;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeCapacityTest {

    @Test
    void freeIsOfferedLessAssignedAndNeverNegative() {
        Resources offered = new Resources(4000, 8192, 1);
        assertThat(NodeCapacity.free(offered, List.of())).isEqualTo(offered);
        assertThat(NodeCapacity.free(offered, List.of(new Resources(1000, 512, 0), new Resources(500, 512, 1))))
                .isEqualTo(new Resources(2500, 7168, 0));
        assertThat(NodeCapacity.free(offered, List.of(new Resources(5000, 9000, 2)))).isEqualTo(Resources.NONE);
    }
}
