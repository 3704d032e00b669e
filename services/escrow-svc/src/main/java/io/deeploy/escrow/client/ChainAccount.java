package io.deeploy.escrow.client;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Optional;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * One account escrow-svc signs with: the escrow's activator or its settler ({@link ChainAccounts}). Transactions are
 * signed locally; the key never leaves this object (not in logs, not in {@link #toString()}, not in any API answer).
 * Nonces come from one place per account so its callers never hand out the same nonce twice in this process.
 */
public class ChainAccount {

    static final Duration RECEIPT_TIMEOUT = Duration.ofSeconds(60);

    private final String role;
    private final ChainClient chain;
    private final Credentials credentials;
    private long nextNonce = -1;
    private Long chainId;

    ChainAccount(String role, ChainClient chain, String privateKey) {
        this.role = role;
        this.chain = chain;
        this.credentials = Credentials.create(privateKey);
    }

    public String address() {
        return credentials.getAddress();
    }

    public record SignedTx(long nonce, String hash, String raw) {
    }

    /**
     * The next nonce for a new transaction: past every transaction the node has seen from us and every one this
     * process signed (a signed but not yet broadcast settlement keeps its nonce).
     */
    public synchronized long reserveNonce() {
        long pending = chain.nonce(address(), DefaultBlockParameterName.PENDING);
        long nonce = Math.max(pending, nextNonce);
        nextNonce = nonce + 1;
        return nonce;
    }

    /**
     * Gives back {@code nonce}, reserved for a transaction that will never be broadcast, if it is the last one handed
     * out; otherwise the node's pending count decides next time.
     */
    public synchronized void releaseNonce(long nonce) {
        if (nextNonce == nonce + 1) {
            nextNonce = nonce;
        }
    }

    /** Signs a call ({@code to} set) or a contract creation ({@code to} null) with EIP-155 replay protection. */
    public SignedTx sign(long nonce, String to, String data, BigInteger gasLimit, BigInteger gasPrice) {
        return sign(nonce, to, data, BigInteger.ZERO, gasLimit, gasPrice);
    }

    private SignedTx sign(long nonce, String to, String data, BigInteger value, BigInteger gasLimit, BigInteger gasPrice) {
        RawTransaction tx = to == null
                ? RawTransaction.createContractTransaction(BigInteger.valueOf(nonce), gasPrice, gasLimit, value, data)
                : RawTransaction.createTransaction(BigInteger.valueOf(nonce), gasPrice, gasLimit, to, value, data);
        String raw = Numeric.toHexString(TransactionEncoder.signMessage(tx, chainId(), credentials));
        return new SignedTx(nonce, Hash.sha3(raw), raw);
    }

    /** Sends {@code wei} of the chain's own currency to {@code to} and waits for the receipt (local mode's gas money). */
    public TransactionReceipt sendValue(String to, BigInteger wei) {
        SignedTx tx = sign(reserveNonce(), to, "0x", wei, BigInteger.valueOf(21_000), chain.gasPrice());
        chain.sendRaw(tx.raw()).ifPresent(error -> {
            throw new ChainException("transfer refused: " + error, null);
        });
        return awaitReceipt(tx.hash());
    }

    /** Gas for {@code data}, with headroom; fails with the revert reason when the call would revert. */
    public BigInteger gasFor(String to, String data) {
        BigInteger estimate = chain.estimateGas(address(), to, data);
        return estimate.multiply(BigInteger.valueOf(5)).divide(BigInteger.valueOf(4)).add(BigInteger.valueOf(20_000));
    }

    /** Signs, sends and waits for the receipt of a one-off transaction (deployments, mint, activation). */
    public TransactionReceipt transact(String to, String data) {
        BigInteger gas = gasFor(to, data);
        SignedTx tx = sign(reserveNonce(), to, data, gas, chain.gasPrice());
        chain.sendRaw(tx.raw()).ifPresent(error -> {
            throw new ChainException("transaction refused: " + error, null);
        });
        return awaitReceipt(tx.hash());
    }

    public TransactionReceipt awaitReceipt(String hash) {
        long deadline = System.nanoTime() + RECEIPT_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<TransactionReceipt> receipt = chain.receipt(hash);
            if (receipt.isPresent()) {
                return receipt.get();
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ChainException("interrupted waiting for " + hash, e);
            }
        }
        throw new ChainException("no receipt for " + hash + " after " + RECEIPT_TIMEOUT, null);
    }

    synchronized long chainId() {
        if (chainId == null) {
            chainId = chain.chainId();
        }
        return chainId;
    }

    @Override
    public String toString() {
        return "ChainAccount[" + role + " " + address() + "]";
    }
}
