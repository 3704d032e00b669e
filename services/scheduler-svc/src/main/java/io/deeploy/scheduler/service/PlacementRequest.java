package io.deeploy.scheduler.service;

import io.deeploy.events.TagExpression;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.Resources;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the planner needs to know about a job, with its tag filters parsed.
 *
 * @param perNode       what the job reserves on each of its nodes
 * @param nodeCount     how many distinct nodes run it; equal to the number of {@code targetNodes} when those are given
 * @param targetNodes   explicit nodes (all of them, and no others); empty to let the planner choose
 * @param tags          filters a node must all match
 * @param spareCount    how many further feasible nodes to record for failover (recorded, not reserved)
 * @param excludedNodes nodes never to choose, e.g. lost nodes or the nodes a job already runs on
 */
public record PlacementRequest(String jobId, Resources perNode, int nodeCount, List<String> targetNodes,
        List<TagExpression> tags, Policy policy, int spareCount, Set<String> excludedNodes) {

    /** How the planner ranks the nodes that fit. */
    public enum Policy {
        /** Fill nodes up: prefer the node left with the least free CPU and memory, so that whole nodes stay free. */
        BINPACK,
        /** Even out the load: prefer the node left with the most free CPU and memory. */
        SPREAD
    }

    public static final Policy DEFAULT_POLICY = Policy.SPREAD;
    public static final int DEFAULT_SPARE_COUNT = 1;

    public PlacementRequest {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(perNode, "perNode");
        Objects.requireNonNull(policy, "policy");
        targetNodes = List.copyOf(targetNodes);
        tags = List.copyOf(tags);
        excludedNodes = Set.copyOf(excludedNodes);
        if (perNode.cpuMillis() < 0 || perNode.memoryMb() < 0 || perNode.gpus() < 0) {
            throw new IllegalArgumentException("job " + jobId + " asks for negative resources");
        }
        if (nodeCount < 1) {
            throw new IllegalArgumentException("job " + jobId + " asks for " + nodeCount + " nodes; at least 1");
        }
        if (!targetNodes.isEmpty() && (targetNodes.size() != nodeCount || Set.copyOf(targetNodes).size() != nodeCount)) {
            throw new IllegalArgumentException("job " + jobId + " targets " + targetNodes + " but asks for " + nodeCount
                    + " distinct nodes");
        }
        if (spareCount < 0) {
            throw new IllegalArgumentException("job " + jobId + " asks for " + spareCount + " spare nodes");
        }
    }

    /**
     * The request for a job as specified: SPREAD, {@value #DEFAULT_SPARE_COUNT} spare, nothing excluded. Throws
     * {@link IllegalArgumentException} if a tag filter does not parse or the counts do not add up.
     */
    public static PlacementRequest from(String jobId, JobSpec spec) {
        return new PlacementRequest(jobId, spec.resources(), spec.nodeCount(), spec.targetNodes(), TagExpression.parseAll(spec.nodeTags()),
                DEFAULT_POLICY, DEFAULT_SPARE_COUNT, Set.of());
    }

    public PlacementRequest withPolicy(Policy newPolicy) {
        return new PlacementRequest(jobId, perNode, nodeCount, targetNodes, tags, newPolicy, spareCount, excludedNodes);
    }

    public PlacementRequest withSpareCount(int newSpareCount) {
        return new PlacementRequest(jobId, perNode, nodeCount, targetNodes, tags, policy, newSpareCount, excludedNodes);
    }

    /**
     * This request sized to the nodes a job is placed on now, which a job scaled up while too few nodes were feasible has
     * fewer of than it asks for: a failover replaces those it has. A job that names its nodes names these.
     */
    public PlacementRequest asPlacedOn(List<String> placedNodes) {
        if (placedNodes.size() == nodeCount) {
            return this;
        }
        return new PlacementRequest(jobId, perNode, placedNodes.size(), counted() ? List.of() : placedNodes, tags, policy,
                spareCount, excludedNodes);
    }

    /** This request with {@code nodes} excluded as well. */
    public PlacementRequest excluding(Collection<String> nodes) {
        Set<String> all = new HashSet<>(excludedNodes);
        all.addAll(nodes);
        return new PlacementRequest(jobId, perNode, nodeCount, targetNodes, tags, policy, spareCount, all);
    }

    /** Whether the planner chooses the nodes (true) or the job names them. */
    public boolean counted() {
        return targetNodes.isEmpty();
    }
}
