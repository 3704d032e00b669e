package io.deeploy.scheduler.service;

import io.deeploy.events.payload.Resources;
import java.util.List;
import java.util.Map;

/**
 * An immutable view of the cluster for one placement decision: the READY nodes with their capacity and what the
 * scheduler has already reserved on each.
 */
public record ClusterSnapshot(List<NodeView> nodes) {

    public record NodeView(String id, Resources capacity, Resources reserved, Map<String, String> tags) {

        public Resources available() {
            return capacity.minus(reserved);
        }
    }
}
