package io.deeploy.escrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deeploy.escrow.service.EscrowArithmetic;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class EscrowArithmeticTest {

    @Test
    void quoteIsTheExactProduct() {
        assertThat(EscrowArithmetic.quote(BigInteger.valueOf(375_000), 2, 30)).isEqualTo(BigInteger.valueOf(22_500_000));
        BigInteger max = EscrowArithmetic.quote(BigInteger.valueOf(12_500_000), 0xFFFF_FFFFL, 0xFFFF_FFFFL);
        assertThat(max).isEqualTo(BigInteger.valueOf(12_500_000).multiply(BigInteger.valueOf(0xFFFF_FFFFL).pow(2)));
    }

    @Test
    void quoteRefusesWhatTheContractRefuses() {
        assertThatThrownBy(() -> EscrowArithmetic.quote(BigInteger.TEN, 0, 1)).hasMessageContaining("nodes");
        assertThatThrownBy(() -> EscrowArithmetic.quote(BigInteger.TEN, 1, 0)).hasMessageContaining("epochs");
        assertThatThrownBy(() -> EscrowArithmetic.quote(BigInteger.TEN, 1L << 32, 1)).hasMessageContaining("nodes");
        assertThatThrownBy(() -> EscrowArithmetic.quote(BigInteger.ZERO, 1, 1)).hasMessageContaining("price");
    }

    @Test
    void formatsSixDecimals() {
        assertThat(EscrowArithmetic.format(BigInteger.valueOf(166_700))).isEqualTo("0.1667");
        assertThat(EscrowArithmetic.format(BigInteger.valueOf(12_500_000))).isEqualTo("12.5");
        assertThat(EscrowArithmetic.format(BigInteger.valueOf(1_000_000))).isEqualTo("1");
        assertThat(EscrowArithmetic.format(BigInteger.ZERO)).isEqualTo("0");
        assertThat(EscrowArithmetic.format(BigInteger.ONE)).isEqualTo("0.000001");
    }

    @Test
    void permilleBecomesBasisPoints() {
        assertThat(EscrowArithmetic.uptimeBps(1000)).isEqualTo(10_000);
        assertThat(EscrowArithmetic.uptimeBps(899)).isEqualTo(8990);
        assertThatThrownBy(() -> EscrowArithmetic.uptimeBps(1001)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void epochsFollowTheContract() {
        assertThat(EscrowArithmetic.epochAt(1000, 1000, 4)).isZero();
        assertThat(EscrowArithmetic.epochAt(1003, 1000, 4)).isZero();
        assertThat(EscrowArithmetic.epochAt(1004, 1000, 4)).isEqualTo(1);
        assertThat(EscrowArithmetic.epochEnded(0, 1003, 1000, 4)).isFalse();
        assertThat(EscrowArithmetic.epochEnded(0, 1004, 1000, 4)).isTrue();
    }
}
