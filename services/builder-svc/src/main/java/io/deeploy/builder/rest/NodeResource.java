package io.deeploy.builder.rest;

import io.deeploy.builder.config.NodeConfig;
import io.deeploy.builder.repository.Assignment;
import io.deeploy.builder.repository.AssignmentRepository;
import io.deeploy.builder.service.HeartbeatService;
import io.deeploy.builder.service.NodeCapacity;
import io.deeploy.events.payload.Resources;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import java.util.Map;

@Path("/api/node")
@Produces(MediaType.APPLICATION_JSON)
public class NodeResource {

    private final NodeConfig config;
    private final HeartbeatService heartbeats;
    private final AssignmentRepository assignments;

    public NodeResource(NodeConfig config, HeartbeatService heartbeats, AssignmentRepository assignments) {
        this.config = config;
        this.heartbeats = heartbeats;
        this.assignments = assignments;
    }

    public record NodeStatus(String id, String address, Resources capacity, Resources free, Map<String, String> tags,
            List<AssignmentView> assignments) {
    }

    public record AssignmentView(String jobId, String state, long placement, Resources resources, String reason, Instant updatedAt) {
    }

    @GET
    @WithSession
    public Uni<NodeStatus> status() {
        return assignments.listOfNode(config.id()).map(all -> {
            List<Resources> active = all.stream().filter(a -> a.state == Assignment.State.ASSIGNED).map(Assignment::resources).toList();
            return new NodeStatus(config.id(), config.address(), heartbeats.offered(),
                    NodeCapacity.free(heartbeats.offered(), active), config.tags(),
                    all.stream().map(a -> new AssignmentView(a.jobId, a.state.name(), a.placement, a.resources(), a.reason,
                            a.updatedAt)).toList());
        });
    }
}
