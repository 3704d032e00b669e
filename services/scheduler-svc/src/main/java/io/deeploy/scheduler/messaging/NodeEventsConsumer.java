package io.deeploy.scheduler.messaging;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.NodeHeartbeat;
import io.deeploy.scheduler.service.NodeRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Heartbeats need no processed-id record: each carries its agent run and sequence number, and the registry applies
 * only a newer one, so a replay is recognised by content.
 */
@ApplicationScoped
public class NodeEventsConsumer {

    private final NodeRegistry registry;

    public NodeEventsConsumer(NodeRegistry registry) {
        this.registry = registry;
    }

    @Incoming("node-events")
    public Uni<Void> onNodeEvent(String record) {
        Event<?> event = EventCodec.decode(record);
        if (event.payload() instanceof NodeHeartbeat heartbeat) {
            return registry.record(heartbeat, event.time()).replaceWithVoid();
        }
        return Uni.createFrom().voidItem();
    }
}
