package io.deeploy.scheduler.service;

import io.deeploy.events.payload.NodeRegistered;
import io.deeploy.events.payload.NodeStatus;
import io.deeploy.events.payload.NodeStatusChanged;
import io.deeploy.node.Ed25519Keys;
import io.deeploy.scheduler.config.GatewayConfig;
import io.deeploy.scheduler.repository.NodeIdentity;
import io.deeploy.scheduler.repository.NodeIdentityRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The registered nodes: kept from the operators' registrations and the admins' decisions (operator-events), and read by
 * the gateway on every call, from memory for a few seconds at a time (so that 10,000 nodes beating do not each cost a
 * query, and a suspension takes effect within that time on every scheduler instance).
 */
@ApplicationScoped
public class NodeIdentities {

    private static final Logger LOG = Logger.getLogger(NodeIdentities.class);

    /** What the gateway needs about a node. */
    public record Known(String nodeId, PublicKey publicKey, String address, NodeStatus status, long loadedAtMillis) {
    }

    private final NodeIdentityRepository identities;
    private final GatewayConfig config;
    private final Map<String, Known> cache = new ConcurrentHashMap<>();

    public NodeIdentities(NodeIdentityRepository identities, GatewayConfig config) {
        this.identities = identities;
        this.config = config;
    }

    /** The node as registered, or null if it is not. */
    public Uni<Known> find(String nodeId) {
        Known cached = cache.get(nodeId);
        if (cached != null && System.currentTimeMillis() - cached.loadedAtMillis() < config.identityCacheTtl().toMillis()) {
            return Uni.createFrom().item(cached);
        }
        return Panache.withSession(() -> identities.findById(nodeId)).map(identity -> {
            if (identity == null) {
                cache.remove(nodeId);
                return null;
            }
            Known known = new Known(identity.nodeId, Ed25519Keys.decodePublic(identity.publicKey), identity.address,
                    identity.status, System.currentTimeMillis());
            cache.put(nodeId, known);
            return known;
        });
    }

    /** Records a registration; runs in the idempotent consumer's transaction. */
    public Uni<Void> registered(NodeRegistered registered, Instant at) {
        Ed25519Keys.decodePublic(registered.publicKey());
        return identities.findById(registered.nodeId()).chain(existing -> {
            NodeIdentity identity = existing == null ? new NodeIdentity() : existing;
            identity.nodeId = registered.nodeId();
            identity.publicKey = registered.publicKey();
            identity.operator = registered.operator();
            identity.payoutAddress = registered.payoutAddress();
            identity.address = registered.address();
            identity.updatedAt = at;
            if (existing == null) {
                identity.status = NodeStatus.ACTIVE;
                LOG.infof("node %s registered by %s (apps at %s)", registered.nodeId(), registered.operator(), registered.address());
                return identities.persist(identity).invoke(() -> cache.remove(registered.nodeId())).replaceWithVoid();
            }
            LOG.infof("node %s registration updated by %s", registered.nodeId(), registered.operator());
            cache.remove(registered.nodeId());
            return Uni.createFrom().voidItem();
        });
    }

    /** Records an admin's decision; runs in the idempotent consumer's transaction. */
    public Uni<Boolean> statusChanged(NodeStatusChanged changed, Instant at) {
        return identities.findById(changed.nodeId()).map(identity -> {
            if (identity == null) {
                LOG.warnf("status %s for unregistered node %s ignored", changed.status(), changed.nodeId());
                return false;
            }
            identity.status = changed.status();
            identity.statusReason = changed.reason();
            identity.updatedAt = at;
            cache.remove(changed.nodeId());
            LOG.infof("node %s is now %s (%s, by %s)", changed.nodeId(), changed.status(), changed.reason(), changed.decidedBy());
            return true;
        });
    }

    /** Drops what is cached, so the next call reads the table (after a change committed). */
    public void forget(String nodeId) {
        cache.remove(nodeId);
    }
}
