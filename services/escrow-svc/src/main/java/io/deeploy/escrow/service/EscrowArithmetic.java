package io.deeploy.escrow.service;

import java.math.BigDecimal;
import java.math.BigInteger;

/** The escrow contract's integer arithmetic, repeated in Java so the backend's numbers are the chain's to the unit. */
public final class EscrowArithmetic {

    /** dUSD has 6 decimals. */
    public static final int TOKEN_DECIMALS = 6;
    static final long UINT32_MAX = 0xFFFF_FFFFL;
    static final BigInteger UINT128_MAX = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

    private EscrowArithmetic() {
    }

    /**
     * {@code quote(type, nodes, epochs) = pricePerEpoch * nodes * epochs}, exact (no fee, no rounding). The contract
     * reverts for zero nodes or epochs; the caller checks the type exists. Arguments are the contract's uint32 ranges.
     */
    public static BigInteger quote(BigInteger pricePerEpoch, long nodes, long epochs) {
        if (pricePerEpoch.signum() <= 0 || pricePerEpoch.compareTo(UINT128_MAX) > 0) {
            throw new IllegalArgumentException("price " + pricePerEpoch + " outside 1..2^128-1");
        }
        requireUint32Positive("nodes", nodes);
        requireUint32Positive("epochs", epochs);
        return pricePerEpoch.multiply(BigInteger.valueOf(nodes)).multiply(BigInteger.valueOf(epochs));
    }

    /** Token base units as a decimal string, e.g. 166700 -> "0.1667", 12500000 -> "12.5". */
    public static String format(BigInteger units) {
        BigDecimal value = new BigDecimal(units, TOKEN_DECIMALS).stripTrailingZeros();
        return value.scale() < 0 ? value.setScale(0).toPlainString() : value.toPlainString();
    }

    /** The node's paid share: availability in permille becomes basis points (x10), as the contract expects. */
    public static int uptimeBps(int permille) {
        if (permille < 0 || permille > 1000) {
            throw new IllegalArgumentException("availability " + permille + " not 0-1000");
        }
        return permille * 10;
    }

    /** The epoch a timestamp falls in: {@code (t - genesis) / epochLength}. */
    public static long epochAt(long timestamp, long genesis, long epochLengthSeconds) {
        return timestamp < genesis ? 0 : (timestamp - genesis) / epochLengthSeconds;
    }

    /** Whether {@code epoch} has ended at {@code timestamp}: the contract settles only epochs before the current one. */
    public static boolean epochEnded(long epoch, long timestamp, long genesis, long epochLengthSeconds) {
        return epoch < epochAt(timestamp, genesis, epochLengthSeconds);
    }

    static void requireUint32Positive(String field, long value) {
        if (value <= 0 || value > UINT32_MAX) {
            throw new IllegalArgumentException(field + " " + value + " outside 1.." + UINT32_MAX);
        }
    }
}
