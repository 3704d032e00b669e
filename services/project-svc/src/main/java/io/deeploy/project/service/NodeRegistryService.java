package io.deeploy.project.service;

import io.deeploy.events.Event;
import io.deeploy.events.payload.NodeRegistered;
import io.deeploy.events.payload.NodeStatus;
import io.deeploy.events.payload.NodeStatusChanged;
import io.deeploy.node.Ed25519Keys;
import io.deeploy.node.NodeIds;
import io.deeploy.outbox.Outbox;
import io.deeploy.project.config.RegistryConfig;
import io.deeploy.project.repository.NodeRegistration;
import io.deeploy.project.repository.NodeRegistrationRepository;
import io.deeploy.signing.SignedRequest;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Edge nodes and their operators (the seed's Node Operator role): an operator registers a node by a request signed with
 * the operator's wallet, naming the node's public key (its agent signs every gateway call with it), where its apps are
 * reached and where its earnings go; only that wallet changes the registration afterwards. The platform's admins suspend,
 * blacklist or reinstate nodes. Every change is announced (NodeRegistered, NodeStatusChanged) for scheduler-svc, which
 * authenticates nodes at the gateway and places jobs, and for escrow-svc, which pays operators.
 */
@ApplicationScoped
public class NodeRegistryService {

    /** An address literal: the ingress connects to it as it is, with no name resolution that could be rebound. */
    static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:]{2,39}");
    static final int MAX_REASON = 500;

    private final NodeRegistrationRepository nodes;
    private final Outbox outbox;
    private final RegistryConfig config;
    private final Set<String> admins;

    public NodeRegistryService(NodeRegistrationRepository nodes, Outbox outbox, RegistryConfig config) {
        this.nodes = nodes;
        this.outbox = outbox;
        this.config = config;
        this.admins = config.admins().orElse(List.of()).stream().filter(a -> !a.isBlank())
                .map(a -> SignedRequest.normalizeAddress(a.strip())).collect(Collectors.toUnmodifiableSet());
    }

    /** What an operator asks for; {@code payoutAddress} defaults to the operator's own. */
    public record Registration(String id, String publicKey, String address, String payoutAddress) {
    }

    /** The registration, and whether this request created it. */
    public record Outcome(NodeRegistration node, boolean created) {
    }

    @WithTransaction
    public Uni<Outcome> register(Caller caller, Registration request) {
        ProjectAccess.requireSigner(caller, "registering nodes");
        Registration valid = validated(request, caller.address());
        return nodes.findForUpdate(valid.id()).chain(existing -> {
            if (existing != null && !existing.operator.equals(caller.address())) {
                throw ApiException.conflict("NODE_ID_TAKEN", "node id '" + valid.id() + "' is registered by another operator");
            }
            if (existing != null && existing.status == NodeStatus.BLACKLISTED) {
                throw new ApiException(403, "NODE_BLACKLISTED", null, "node " + valid.id() + " is blacklisted; its registration "
                        + "cannot change");
            }
            if (existing != null && existing.publicKey.equals(valid.publicKey()) && existing.address.equals(valid.address())
                    && existing.payoutAddress.equals(valid.payoutAddress())) {
                return Uni.createFrom().item(new Outcome(existing, false));
            }
            return nodes.findByKey(valid.publicKey()).chain(holder -> {
                if (holder != null && !holder.id.equals(valid.id())) {
                    throw ApiException.conflict("NODE_KEY_TAKEN", "this public key is already node " + holder.id + "'s: every "
                            + "node has a key of its own");
                }
                Instant now = Instant.now();
                NodeRegistration node = existing == null ? new NodeRegistration() : existing;
                node.id = valid.id();
                node.publicKey = valid.publicKey();
                node.address = valid.address();
                node.payoutAddress = valid.payoutAddress();
                node.operator = caller.address();
                node.updatedAt = now;
                Uni<NodeRegistration> saved;
                if (existing == null) {
                    node.status = NodeStatus.ACTIVE;
                    node.registeredAt = now;
                    saved = nodes.persist(node);
                } else {
                    saved = Uni.createFrom().item(node);
                }
                return saved.chain(registered -> outbox.enqueue(Event.of(new NodeRegistered(registered.id, registered.publicKey,
                        registered.operator, registered.payoutAddress, registered.address), now))
                        .replaceWith(new Outcome(registered, existing == null)));
            });
        });
    }

    /** An admin's decision on a node; the same status again changes nothing. */
    @WithTransaction
    public Uni<NodeRegistration> setStatus(Caller caller, String nodeId, NodeStatus status, String reason) {
        requireAdmin(caller);
        if (status == null) {
            throw ApiException.invalid("status", "status is ACTIVE, SUSPENDED or BLACKLISTED");
        }
        String why = reason == null ? "" : reason.strip();
        if (why.length() > MAX_REASON) {
            throw ApiException.invalid("reason", "at most " + MAX_REASON + " characters");
        }
        return nodes.findForUpdate(checkedId(nodeId)).chain(node -> {
            if (node == null) {
                throw ApiException.notFound("NODE_NOT_FOUND", "no node " + nodeId);
            }
            if (node.status == status && Objects.equals(node.statusReason, why)) {
                return Uni.createFrom().item(node);
            }
            Instant now = Instant.now();
            node.status = status;
            node.statusReason = why;
            node.updatedAt = now;
            return outbox.enqueue(Event.of(new NodeStatusChanged(node.id, status, why, caller.address()), now)).replaceWith(node);
        });
    }

    /** The caller's nodes; an admin's list is every node. */
    @WithSession
    public Uni<List<NodeRegistration>> list(Caller caller) {
        ProjectAccess.requireSigner(caller, "managing nodes");
        return isAdmin(caller) ? nodes.listOrdered() : nodes.ofOperator(caller.address());
    }

    /** A node of the caller's (or any, for an admin); another operator's is reported missing. */
    @WithSession
    public Uni<NodeRegistration> get(Caller caller, String nodeId) {
        ProjectAccess.requireSigner(caller, "managing nodes");
        return nodes.findById(checkedId(nodeId)).map(node -> {
            if (node == null || !(isAdmin(caller) || node.operator.equals(caller.address()))) {
                throw ApiException.notFound("NODE_NOT_FOUND", "no node " + nodeId);
            }
            return node;
        });
    }

    boolean isAdmin(Caller caller) {
        return caller.signed() && admins.contains(caller.address());
    }

    private void requireAdmin(Caller caller) {
        ProjectAccess.requireSigner(caller, "deciding on nodes");
        if (!isAdmin(caller)) {
            throw new ApiException(403, "NOT_ADMIN", null, "only the platform's admins suspend, blacklist or reinstate nodes");
        }
    }

    private static String checkedId(String nodeId) {
        if (!NodeIds.wellFormed(nodeId)) {
            throw ApiException.notFound("NODE_NOT_FOUND", "no node " + nodeId);
        }
        return nodeId;
    }

    Registration validated(Registration request, String operator) {
        if (request == null) {
            throw new ApiException(400, "MALFORMED_BODY", null, "this request needs a JSON body");
        }
        if (!NodeIds.wellFormed(request.id())) {
            throw ApiException.invalid("id", "a node id is 1-63 lower-case letters, digits and inner hyphens");
        }
        try {
            Ed25519Keys.decodePublic(request.publicKey());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("publicKey", "publicKey: " + e.getMessage() + "; the agent writes it to <its key file>.pub");
        }
        String payout;
        try {
            payout = request.payoutAddress() == null ? operator : SignedRequest.normalizeAddress(request.payoutAddress());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("payoutAddress", "payoutAddress: " + e.getMessage());
        }
        return new Registration(request.id(), request.publicKey().strip(), checkedAddress(request.address()), payout);
    }

    /**
     * The node's address as the ingress will dial it: an IP literal (a name could be rebound to another address after it
     * was checked), neither unspecified, link-local, multicast nor broadcast, and loopback only where the operator of
     * the platform allows it.
     */
    String checkedAddress(String address) {
        if (address == null || !(IPV4.matcher(address).matches() || (address.contains(":") && IPV6.matcher(address).matches()))) {
            throw ApiException.invalid("address", "address: the node's IP address (v4 or v6 literal) where the ingress reaches "
                    + "its apps");
        }
        InetAddress ip;
        try {
            ip = InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw ApiException.invalid("address", "address: not an IP address");
        }
        if (ip.isAnyLocalAddress() || ip.isLinkLocalAddress() || ip.isMulticastAddress() || address.equals("255.255.255.255")) {
            throw ApiException.invalid("address", "address: " + address + " is not an address a node serves from");
        }
        if (ip.isLoopbackAddress() && !config.allowLoopbackAddresses()) {
            throw ApiException.invalid("address", "address: a loopback address would send the public's requests to the "
                    + "platform's own machine; this deployment does not allow it (deeploy.registry.allow-loopback-addresses)");
        }
        return ip instanceof Inet6Address ? ip.getHostAddress().toLowerCase(Locale.ROOT) : address;
    }
}
