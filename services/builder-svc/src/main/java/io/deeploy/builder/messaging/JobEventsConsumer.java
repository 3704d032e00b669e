package io.deeploy.builder.messaging;

import io.deeploy.builder.config.NodeConfig;
import io.deeploy.builder.service.AssignmentService;
import io.deeploy.builder.service.Deployer;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventType;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.RepoChanged;
import io.deeploy.outbox.IdempotentConsumer;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** Takes the scheduler's decisions and stop requests that concern this node, each once. */
@ApplicationScoped
public class JobEventsConsumer {

    private final IdempotentConsumer consumer;
    private final AssignmentService assignments;
    private final Deployer deployer;
    private final String consumerName;

    public JobEventsConsumer(IdempotentConsumer consumer, AssignmentService assignments, Deployer deployer, NodeConfig node) {
        this.consumer = consumer;
        this.assignments = assignments;
        this.deployer = deployer;
        this.consumerName = "builder-svc." + node.id();
    }

    private Uni<AssignmentService.Action> decide(Event<?> event) {
        if (event.payload() instanceof NodeSelected selected) {
            return assignments.selected(selected, event.time());
        }
        if (event.payload() instanceof RepoChanged changed) {
            return assignments.repoChanged(changed);
        }
        return assignments.stopRequested(event.key(), ((JobStopRequested) event.payload()).reason(), event.time());
    }

    @Incoming("job-events")
    public Uni<Void> onJobEvent(String record) {
        EventType type = EventType.byName(EventCodec.typeOf(record));
        if (type != EventType.NODE_SELECTED && type != EventType.JOB_STOP_REQUESTED && type != EventType.REPO_CHANGED) {
            return Uni.createFrom().voidItem();
        }
        Event<?> event = EventCodec.decode(record);
        AtomicReference<AssignmentService.Action> action = new AtomicReference<>(AssignmentService.Action.NONE);
        return consumer.processOnce(consumerName, event, () -> decide(event).invoke(action::set).replaceWithVoid())
                // Containers are touched only after the decision committed, never for a duplicate.
                .invoke(applied -> {
                    AssignmentService.Action todo = action.get();
                    if (applied && todo.kind() == AssignmentService.Action.Kind.DEPLOY) {
                        deployer.deploy(todo.jobId(), todo.spec(), event.payload() instanceof NodeSelected);
                    } else if (applied && todo.kind() == AssignmentService.Action.Kind.STOP) {
                        deployer.stop(todo.jobId(), todo.reason());
                    }
                })
                .replaceWithVoid();
    }
}
