package io.deeploy.node;

import java.util.regex.Pattern;

/**
 * The form of a node id, written once: a DNS label (lower-case letters, digits and hyphens, at most 63), so that it can
 * name containers, volumes and files on the node and appear in a host name without escaping.
 */
public final class NodeIds {

    static final Pattern NODE_ID = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

    private NodeIds() {
    }

    public static boolean wellFormed(String nodeId) {
        return nodeId != null && NODE_ID.matcher(nodeId).matches();
    }

    /** {@code nodeId} if well formed; {@link IllegalArgumentException} otherwise. */
    public static String checked(String nodeId) {
        if (!wellFormed(nodeId)) {
            throw new IllegalArgumentException("a node id is 1-63 lower-case letters, digits and inner hyphens");
        }
        return nodeId;
    }
}
