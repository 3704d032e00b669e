package io.deeploy.node.api;

/**
 * The node gateway's paths (on scheduler-svc's gateway listener). Every call but {@link #PLATFORM} is signed by the node
 * ({@link io.deeploy.node.NodeRequest}); errors are JSON {@link Refusal}s.
 */
public final class GatewayApi {

    public static final String ROOT = "/gateway/v1";
    /** GET, unsigned: the platform's audience (what node signatures are bound to) and the log-grant key. */
    public static final String PLATFORM = ROOT + "/platform";
    /**
     * POST, unsigned by a node: an operator's node registration signed by the operator's wallet for the platform's API
     * ({@code POST /api/nodes}), handed on to it as it is, so that a node joins knowing only the gateway's address.
     */
    public static final String REGISTER = ROOT + "/register";
    /** POST {@link Heartbeat}: capacity, free resources, and the health of each allocation. */
    public static final String HEARTBEAT = ROOT + "/heartbeat";
    /** GET {@code ?index=N&wait=S}: the node's desired allocations, answered once they differ from index N or after S s. */
    public static final String ALLOCATIONS = ROOT + "/allocations";
    /** POST {@link StatusReport}s of one allocation: {@code /allocations/{jobId}/reports}. */
    public static final String REPORTS = "/reports";
    /** GET {@link JobSecrets} of one allocation desired on this node: {@code /allocations/{jobId}/secrets}. */
    public static final String SECRETS = "/secrets";
    /** POST a {@link LogBatch} of one allocation's output: {@code /allocations/{jobId}/logs}. */
    public static final String LOGS = "/logs";
    /** Longest a long poll of {@link #ALLOCATIONS} is held open. */
    public static final int MAX_WAIT_SECONDS = 60;

    private GatewayApi() {
    }

    public static String reports(String jobId) {
        return ALLOCATIONS + "/" + jobId + REPORTS;
    }

    public static String logs(String jobId) {
        return ALLOCATIONS + "/" + jobId + LOGS;
    }

    public static String secrets(String jobId) {
        return ALLOCATIONS + "/" + jobId + SECRETS;
    }
}
