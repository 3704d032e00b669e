package io.deeploy.escrow.client;

import io.deeploy.escrow.config.ChainConfig;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;

/**
 * The service's one connection to the chain. {@link #head()} is asynchronous (for REST and health); everything else
 * blocks and belongs on worker threads (the watcher, the settler, blocking endpoints).
 */
@ApplicationScoped
public class ChainClient {

    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final HttpService service;
    private final Web3j web3j;

    public ChainClient(ChainConfig config) {
        this.service = new HttpService(config.rpcUrl());
        this.web3j = Web3j.build(service);
    }

    public record ChainHead(long chainId, BigInteger blockNumber) {
    }

    public Web3j web3j() {
        return web3j;
    }

    public Uni<ChainHead> head() {
        Uni<Long> chainId = Uni.createFrom().completionStage(() -> web3j.ethChainId().sendAsync())
                .map(response -> response.getChainId().longValue());
        Uni<BigInteger> block = Uni.createFrom().completionStage(() -> web3j.ethBlockNumber().sendAsync())
                .map(response -> response.getBlockNumber());
        return Uni.combine().all().unis(chainId, block).asTuple()
                .map(both -> new ChainHead(both.getItem1(), both.getItem2()))
                .ifNoItem().after(TIMEOUT).fail();
    }

    public long chainId() {
        return ok(call(() -> web3j.ethChainId().send())).getChainId().longValue();
    }

    public long blockNumber() {
        return ok(call(() -> web3j.ethBlockNumber().send())).getBlockNumber().longValue();
    }

    /** Unix seconds of the latest block. */
    public long latestTimestamp() {
        return ok(call(() -> web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send()))
                .getBlock().getTimestamp().longValue();
    }

    public boolean hasCode(String address) {
        String code = ok(call(() -> web3j.ethGetCode(address, DefaultBlockParameterName.LATEST).send())).getCode();
        return code != null && code.length() > 2;
    }

    /** The logs of {@code address} in blocks {@code from..to}, inclusive, in chain order. */
    public List<Log> logs(String address, long from, long to) {
        EthFilter filter = new EthFilter(DefaultBlockParameter.valueOf(BigInteger.valueOf(from)),
                DefaultBlockParameter.valueOf(BigInteger.valueOf(to)), address);
        return ok(call(() -> web3j.ethGetLogs(filter).send())).getLogs().stream()
                .map(result -> (Log) ((EthLog.LogObject) result).get()).toList();
    }

    public Optional<TransactionReceipt> receipt(String txHash) {
        return ok(call(() -> web3j.ethGetTransactionReceipt(txHash).send())).getTransactionReceipt();
    }

    /** Whether the node knows the transaction (pending or mined). */
    public boolean knows(String txHash) {
        return ok(call(() -> web3j.ethGetTransactionByHash(txHash).send())).getTransaction().isPresent();
    }

    public long nonce(String address, DefaultBlockParameterName at) {
        return ok(call(() -> web3j.ethGetTransactionCount(address, at).send())).getTransactionCount().longValue();
    }

    public BigInteger gasPrice() {
        return ok(call(() -> web3j.ethGasPrice().send())).getGasPrice();
    }

    /** Gas for a call or (to null) a contract creation; fails with the node's message when it would revert. */
    public BigInteger estimateGas(String from, String to, String data) {
        Transaction tx = new Transaction(from, null, null, null, to, null, data);
        return ok(call(() -> web3j.ethEstimateGas(tx).send())).getAmountUsed();
    }

    /** Broadcasts a signed transaction; the node's refusal comes back as the message, not an exception. */
    public Optional<String> sendRaw(String signedHex) {
        var response = call(() -> web3j.ethSendRawTransaction(signedHex).send());
        return response.hasError() ? Optional.of(response.getError().getMessage()) : Optional.empty();
    }

    /** A JSON-RPC request web3j has no method for, e.g. anvil's {@code evm_mine}. */
    public Object rpc(String method, List<?> params) {
        return ok(call(() -> new Request<>(method, params, service, RawResponse.class).send())).getResult();
    }

    public static class RawResponse extends Response<Object> {
    }

    interface ChainCall<T> {
        T send() throws IOException;
    }

    static <T> T call(ChainCall<T> call) {
        try {
            return call.send();
        } catch (IOException e) {
            throw new ChainException("chain unreachable: " + e.getMessage(), e);
        }
    }

    static <R extends Response<?>> R ok(R response) {
        if (response.hasError()) {
            throw new ChainException("chain error " + response.getError().getCode() + ": " + response.getError().getMessage(),
                    null);
        }
        return response;
    }

    @PreDestroy
    void close() {
        web3j.shutdown();
    }
}
