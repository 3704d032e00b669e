package io.deeploy.builder.service;

import io.deeploy.builder.config.NodeConfig;
import io.deeploy.builder.repository.Assignment;
import io.deeploy.builder.repository.AssignmentRepository;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.JobSpec;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Brings a restarted agent back in step with what it left running. The assignments table says which jobs are this
 * node's; the engine's labelled containers say what runs. Jobs still assigned here adopt their running app (no
 * rebuild, no downtime) or are deployed afresh; a stop that the crash interrupted is finished; containers of this node
 * that belong to no assignment are removed.
 */
@ApplicationScoped
public class AgentReconciler {

    private static final Logger LOG = Logger.getLogger(AgentReconciler.class);

    private final AssignmentRepository assignments;
    private final Deployer deployer;
    private final String nodeId;

    public AgentReconciler(AssignmentRepository assignments, Deployer deployer, NodeConfig node) {
        this.assignments = assignments;
        this.deployer = deployer;
        this.nodeId = node.id();
    }

    void onStart(@Observes StartupEvent event) throws Throwable {
        List<Assignment> all = VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(() -> assignments.listOfNode(nodeId)));
        Map<String, JobSpec> assigned = new LinkedHashMap<>();
        for (Assignment assignment : all) {
            if (assignment.state == Assignment.State.ASSIGNED) {
                assigned.put(assignment.jobId, EventCodec.fromJson(assignment.spec, JobSpec.class));
            }
        }
        Set<String> stopped = all.stream().filter(a -> a.state == Assignment.State.STOPPED).map(a -> a.jobId)
                .collect(Collectors.toSet());
        LOG.infof("reconciling %d assigned jobs with the engine", assigned.size());
        deployer.reconcile(assigned, stopped);
    }
}
