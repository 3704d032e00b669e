package io.deeploy.builder.rest;

import io.deeploy.builder.client.GatewayClient;
import io.deeploy.builder.client.NodeIdentity;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.builder.service.DesiredStateWatcher;
import io.deeploy.builder.service.HeartbeatService;
import io.deeploy.builder.service.NodeCapacity;
import io.deeploy.builder.service.Reconciler;
import io.deeploy.builder.service.ReportSpool;
import io.deeploy.events.payload.Resources;
import io.deeploy.node.api.AllocationHealth;
import io.deeploy.node.api.DesiredAllocations;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** This node as its agent sees it, for its operator (on the agent's own loopback port). */
@Path("/api/node")
@Produces(MediaType.APPLICATION_JSON)
public class NodeResource {

    private final NodeConfig config;
    private final NodeIdentity identity;
    private final HeartbeatService heartbeats;
    private final Reconciler reconciler;
    private final DesiredStateWatcher watcher;
    private final ReportSpool reports;
    private final GatewayClient gateway;

    public NodeResource(NodeConfig config, NodeIdentity identity, HeartbeatService heartbeats, Reconciler reconciler,
            DesiredStateWatcher watcher, ReportSpool reports, GatewayClient gateway) {
        this.config = config;
        this.identity = identity;
        this.heartbeats = heartbeats;
        this.reconciler = reconciler;
        this.watcher = watcher;
        this.reports = reports;
        this.gateway = gateway;
    }

    /**
     * @param gatewayRefusal the gateway's latest refusal of this node (NODE_UNKNOWN until its operator registers it)
     * @param desiredIndex   the index of the desired state the node follows, -1 while none is known
     */
    public record NodeStatus(String id, String publicKey, String gateway, String publishAddress, Resources capacity, Resources free,
            Map<String, String> tags, boolean heartbeatAccepted, Instant gatewayLastAnswer, String gatewayRefusal,
            long desiredIndex, List<AllocationHealth> allocations, int reportsWaiting) {
    }

    @GET
    public NodeStatus status() {
        DesiredAllocations desired = reconciler.desired();
        return new NodeStatus(config.id(), identity.publicKey(), gateway.baseUrl(), config.publishAddress(), heartbeats.offered(),
                NodeCapacity.free(heartbeats.offered(), reconciler.held()), config.tags(), heartbeats.accepted(), watcher.lastAnswer(),
                watcher.lastRefusal(), desired == null ? -1 : desired.index(), reconciler.health(), reports.backlog());
    }
}
