package io.deeploy.escrow.service;

import io.deeploy.escrow.client.ChainClient;
import io.deeploy.escrow.config.ChainConfig;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.web3j.crypto.Hash;
import org.web3j.crypto.TransactionDecoder;
import org.web3j.utils.Numeric;

/**
 * Test sources only: the chain client of this module's tests, with a fault to arm. The next broadcast of a settle
 * transaction "crashes" its sender just before or just after the node receives it, as a process dying there would: the
 * transaction is recorded, and nothing after the broadcast runs. A singleton: a subclass of the service's client needs
 * no proxy.
 */
@Alternative
@Priority(1)
@Singleton
public class CrashingChainClient extends ChainClient {

    enum Point {
        BEFORE_BROADCAST, AFTER_BROADCAST
    }

    /** The first four bytes of keccak256 of the settle function's signature. */
    static final String SETTLE_SELECTOR = Numeric.toHexStringNoPrefix(Hash.sha3(
            "settle((uint256,uint64,address,uint16)[])".getBytes(StandardCharsets.US_ASCII))).substring(0, 8);
    private static final AtomicReference<Point> ARMED = new AtomicReference<>();

    public CrashingChainClient(ChainConfig config) {
        super(config);
    }

    /** The transaction is recorded and broadcast, and the process dies before it records the broadcast. */
    public static void crashAfterBroadcast() {
        ARMED.set(Point.AFTER_BROADCAST);
    }

    /** The transaction is recorded, and the process dies before broadcasting it. */
    public static void crashBeforeBroadcast() {
        ARMED.set(Point.BEFORE_BROADCAST);
    }

    public static boolean armed() {
        return ARMED.get() != null;
    }

    @Override
    public Optional<String> sendRaw(String signedHex) {
        Point crash = isSettle(signedHex) ? ARMED.getAndSet(null) : null;
        if (crash == Point.BEFORE_BROADCAST) {
            throw new IllegalStateException("simulated crash before the broadcast");
        }
        Optional<String> answer = super.sendRaw(signedHex);
        if (crash == Point.AFTER_BROADCAST) {
            throw new IllegalStateException("simulated crash after the broadcast");
        }
        return answer;
    }

    static boolean isSettle(String signedHex) {
        return Numeric.cleanHexPrefix(TransactionDecoder.decode(signedHex).getData()).startsWith(SETTLE_SELECTOR);
    }
}
