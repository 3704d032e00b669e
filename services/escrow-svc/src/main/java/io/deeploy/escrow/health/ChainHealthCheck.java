package io.deeploy.escrow.health;

import io.deeploy.escrow.client.ChainClient;
import io.deeploy.escrow.config.ChainConfig;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Escrow cannot lock or settle funds without its chain: not ready when the node is unreachable or on another chain. */
@Readiness
@ApplicationScoped
public class ChainHealthCheck implements AsyncHealthCheck {

    private final ChainClient chain;
    private final ChainConfig config;

    public ChainHealthCheck(ChainClient chain, ChainConfig config) {
        this.chain = chain;
        this.config = config;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return chain.head().map(head -> {
            boolean expected = config.expectedChainId().map(id -> id == head.chainId()).orElse(true);
            return HealthCheckResponse.named("EVM chain").status(expected)
                    .withData("rpc", config.rpcUrl())
                    .withData("chainId", head.chainId())
                    .withData("block", head.blockNumber().longValue())
                    .build();
        }).onFailure().recoverWithItem(e -> HealthCheckResponse.named("EVM chain").down()
                .withData("rpc", config.rpcUrl())
                .withData("error", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()).build());
    }
}
