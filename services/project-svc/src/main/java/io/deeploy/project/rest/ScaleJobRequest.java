package io.deeploy.project.rest;

import java.util.List;

/**
 * {@code POST /api/jobs/{id}/nodes}: the nodes the job runs on from now, as at creation: {@code targetNodeCount} nodes
 * the scheduler chooses (1-100), or exactly {@code targetNodes}. A job that names its nodes is scaled by naming them.
 */
public record ScaleJobRequest(List<String> targetNodes, Integer targetNodeCount) {
}
