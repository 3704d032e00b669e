package io.deeploy.escrow.service;

/** Test access to the settler's fault injection: the next send "crashes" at the given point. */
public final class SettlementFaults {

    private SettlementFaults() {
    }

    /** The transaction is recorded and broadcast, and the process dies before it records the broadcast. */
    public static void crashAfterBroadcast() {
        SettlementSender.CRASH.set(SettlementSender.CrashPoint.AFTER_BROADCAST);
    }

    /** The transaction is recorded, and the process dies before broadcasting it. */
    public static void crashBeforeBroadcast() {
        SettlementSender.CRASH.set(SettlementSender.CrashPoint.BEFORE_BROADCAST);
    }

    public static boolean armed() {
        return SettlementSender.CRASH.get() != null;
    }
}
