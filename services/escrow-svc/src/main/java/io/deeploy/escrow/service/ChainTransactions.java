package io.deeploy.escrow.service;

import io.deeploy.escrow.client.ChainClient;
import io.deeploy.escrow.client.ChainException;
import io.deeploy.escrow.client.ChainAccount;
import io.deeploy.escrow.client.ChainAccounts;
import io.deeploy.escrow.config.ChainConfig;
import io.deeploy.escrow.repository.ChainTransaction;
import io.deeploy.escrow.repository.ChainTransactionRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jboss.logging.Logger;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * The one way escrow-svc writes to the chain. {@link #send} estimates the call (a call the chain would refuse fails here,
 * and nothing is signed or recorded), signs it locally, records it in {@code chain_transaction} (with whatever the
 * caller records in the same database transaction) and only then broadcasts it. {@link #resolve} tells, from the chain,
 * what became of a recorded transaction: still open (broadcast again, same bytes, when the node does not know it or it
 * has waited {@code rebroadcast-after}), confirmed, reverted, or dropped (its nonce used by another transaction). A crash
 * anywhere leaves either nothing or a recorded transaction that {@link #resolve} finds. Blocking: call from workers.
 */
@ApplicationScoped
public class ChainTransactions {

    private static final Logger LOG = Logger.getLogger(ChainTransactions.class);

    private final ChainClient chain;
    private final ChainAccounts accounts;
    private final ChainConfig config;
    private final ChainTransactionRepository transactions;

    public ChainTransactions(ChainClient chain, ChainAccounts accounts, ChainConfig config,
            ChainTransactionRepository transactions) {
        this.chain = chain;
        this.accounts = accounts;
        this.config = config;
        this.transactions = transactions;
    }

    /** What the chain says of a recorded transaction; {@code receipt} is set once it was mined and confirmed. */
    public record Resolution(ChainTransaction transaction, ChainTransaction.State state, TransactionReceipt receipt) {

        public boolean open() {
            return state == ChainTransaction.State.SENDING;
        }
    }

    /**
     * Sends {@code data} to the escrow as described, recorded before it is broadcast; {@code alsoRecord} runs in the
     * recording's database transaction (a settle marks its settlements SENDING there). Throws {@link ChainException}
     * when the chain would refuse the call: then nothing is recorded.
     */
    public ChainTransaction send(ContractRegistry.Contracts contracts, ChainTransaction.Kind kind, String jobId,
            Long chainJobId, String data, Function<ChainTransaction, Uni<Void>> alsoRecord) {
        ChainAccount signer = signerOf(kind);
        BigInteger gas = signer.gasFor(contracts.escrow(), data);
        ChainAccount.SignedTx tx = signer.sign(signer.reserveNonce(), contracts.escrow(), data, gas, chain.gasPrice());
        Instant now = Instant.now();
        ChainTransaction recorded = new ChainTransaction();
        recorded.deploymentId = contracts.deploymentId();
        recorded.kind = kind;
        recorded.jobId = jobId;
        recorded.chainJobId = chainJobId;
        recorded.nonce = tx.nonce();
        recorded.txHash = tx.hash();
        recorded.rawTx = tx.raw();
        recorded.state = ChainTransaction.State.SENDING;
        recorded.createdAt = now;
        recorded.updatedAt = now;
        try {
            Db.tx(() -> transactions.persist(recorded).chain(saved -> alsoRecord.apply(saved)));
        } catch (RuntimeException e) {
            // Never broadcast: its nonce must not stay reserved, or every later transaction would wait behind the gap.
            signer.releaseNonce(tx.nonce());
            throw e;
        }
        LOG.infof("%s transaction %s (nonce %d)%s recorded; broadcasting", kind, tx.hash(), tx.nonce(),
                jobId == null ? "" : " for " + jobId);
        chain.sendRaw(tx.raw()).ifPresent(error -> LOG.warnf("broadcast of %s refused: %s (resolved from the chain later)",
                tx.hash(), error));
        Db.tx(() -> transactions.update("broadcastAt = ?1, updatedAt = ?1 where id = ?2", Instant.now(), recorded.id));
        return recorded;
    }

    /** As {@link #send} with nothing else to record. */
    public ChainTransaction send(ContractRegistry.Contracts contracts, ChainTransaction.Kind kind, String jobId,
            Long chainJobId, String data) {
        return send(contracts, kind, jobId, chainJobId, data, saved -> Uni.createFrom().voidItem());
    }

    public List<ChainTransaction> open(ContractRegistry.Contracts contracts) {
        return Db.tx(() -> transactions.open(contracts.deploymentId()));
    }

    /** What became of {@code tx}; broadcasts it again while it is open and the node does not know it, or it is stale. */
    public Resolution resolve(ChainTransaction tx) {
        Optional<TransactionReceipt> receipt = chain.receipt(tx.txHash);
        if (receipt.isEmpty() && chain.nonce(signerOf(tx.kind).address(), DefaultBlockParameterName.LATEST) > tx.nonce) {
            // Our nonce is used; look once more in case our own transaction was mined in between.
            receipt = chain.receipt(tx.txHash);
            if (receipt.isEmpty()) {
                return new Resolution(tx, ChainTransaction.State.DROPPED, null);
            }
        }
        if (receipt.isEmpty()) {
            boolean stale = tx.broadcastAt == null || tx.broadcastAt.isBefore(Instant.now().minus(config.rebroadcastAfter()));
            if (stale || !chain.knows(tx.txHash)) {
                chain.sendRaw(tx.rawTx).ifPresent(error -> LOG.debugf("rebroadcast of %s: %s", tx.txHash, error));
                Db.tx(() -> transactions.update("broadcastAt = ?1, updatedAt = ?1 where id = ?2", Instant.now(), tx.id));
            }
            return new Resolution(tx, ChainTransaction.State.SENDING, null);
        }
        TransactionReceipt mined = receipt.get();
        if (mined.getBlockNumber().longValue() > chain.blockNumber() - config.confirmations()) {
            return new Resolution(tx, ChainTransaction.State.SENDING, null);
        }
        return new Resolution(tx, mined.isStatusOK() ? ChainTransaction.State.CONFIRMED : ChainTransaction.State.REVERTED,
                mined);
    }

    /** Records a resolution in the caller's database transaction; false if it was recorded before. */
    public Uni<Boolean> record(Resolution resolution) {
        Long block = resolution.receipt() == null ? null : resolution.receipt().getBlockNumber().longValue();
        String error = switch (resolution.state()) {
            case REVERTED -> "reverted in block " + block;
            case DROPPED -> "dropped: nonce " + resolution.transaction().nonce + " used by another transaction";
            default -> null;
        };
        return transactions.resolve(resolution.transaction().id, resolution.state(), block, error, Instant.now())
                .map(updated -> updated > 0);
    }

    /** Waits for a sent transaction's receipt (the manual activation answers with it). */
    public TransactionReceipt awaitReceipt(ChainTransaction tx) {
        return signerOf(tx.kind).awaitReceipt(tx.txHash);
    }

    /** The escrow's settler signs settlements; its activator everything else. Nonces are per account. */
    private ChainAccount signerOf(ChainTransaction.Kind kind) {
        return kind == ChainTransaction.Kind.SETTLE ? accounts.settler() : accounts.activator();
    }
}
