package io.deeploy.escrow.service;

import io.deeploy.escrow.config.ChainConfig;
import io.deeploy.escrow.repository.NodeOperatorRepository;
import io.deeploy.events.payload.NodeRegistered;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/**
 * Who is paid for a node: the payout address its operator registered (NodeRegistered), or for a node configured by hand
 * ({@code deeploy.chain.node-operators.<node>}, tests and single-machine installs) that address.
 */
@ApplicationScoped
public class NodeOperators {

    private final NodeOperatorRepository operators;
    private final ChainConfig config;

    public NodeOperators(NodeOperatorRepository operators, ChainConfig config) {
        this.operators = operators;
        this.config = config;
    }

    /** Records a registration; runs in the idempotent consumer's transaction. */
    public Uni<Void> registered(NodeRegistered registered, Instant at) {
        return operators.upsert(registered.nodeId(), registered.payoutAddress(), registered.operator(), at);
    }

    /** The address paid for the node, or null if it has none. Blocking. */
    public String payoutOf(String nodeId) {
        String registered = Db.tx(() -> operators.payoutOf(nodeId));
        if (registered != null) {
            return registered;
        }
        String configured = config.nodeOperators().get(nodeId);
        return configured == null || configured.isBlank() ? null : configured;
    }
}
