package io.deeploy.escrow.client;

import io.deeploy.escrow.config.ChainConfig;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Duration;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/** The service's one connection to the chain; calls are asynchronous and time-limited. */
@ApplicationScoped
public class ChainClient {

    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final Web3j web3j;

    public ChainClient(ChainConfig config) {
        this.web3j = Web3j.build(new HttpService(config.rpcUrl()));
    }

    public record ChainHead(long chainId, BigInteger blockNumber) {
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

    @PreDestroy
    void close() {
        web3j.shutdown();
    }
}
