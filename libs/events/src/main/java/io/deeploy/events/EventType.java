package io.deeploy.events;

import io.deeploy.events.payload.AppFailed;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.BuildCompleted;
import io.deeploy.events.payload.BuildStarted;
import io.deeploy.events.payload.FundsLocked;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.NodeHeartbeat;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.RepoChanged;
import io.deeploy.events.payload.SettlementCompleted;
import io.deeploy.events.payload.SettlementDue;
import io.deeploy.events.payload.TunnelFailed;
import io.deeploy.events.payload.TunnelReady;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every event type, its payload class, its current schema version and its topic. A payload change that old
 * consumers cannot read bumps {@code schemaVersion}; adding an optional field does not (unknown fields are ignored).
 */
public enum EventType {
    JOB_REQUESTED("JobRequested", 1, Topics.JOB_EVENTS, JobRequested.class),
    NODE_SELECTED("NodeSelected", 1, Topics.JOB_EVENTS, NodeSelected.class),
    REPO_CHANGED("RepoChanged", 1, Topics.JOB_EVENTS, RepoChanged.class),
    BUILD_STARTED("BuildStarted", 1, Topics.JOB_EVENTS, BuildStarted.class),
    BUILD_COMPLETED("BuildCompleted", 1, Topics.JOB_EVENTS, BuildCompleted.class),
    APP_STARTED("AppStarted", 1, Topics.JOB_EVENTS, AppStarted.class),
    APP_FAILED("AppFailed", 1, Topics.JOB_EVENTS, AppFailed.class),
    JOB_STOP_REQUESTED("JobStopRequested", 1, Topics.JOB_EVENTS, JobStopRequested.class),
    JOB_STOPPED("JobStopped", 1, Topics.JOB_EVENTS, JobStopped.class),
    TUNNEL_READY("TunnelReady", 1, Topics.JOB_EVENTS, TunnelReady.class),
    TUNNEL_FAILED("TunnelFailed", 1, Topics.JOB_EVENTS, TunnelFailed.class),
    NODE_HEARTBEAT("NodeHeartbeat", 1, Topics.NODE_EVENTS, NodeHeartbeat.class),
    FUNDS_LOCKED("FundsLocked", 1, Topics.ESCROW_EVENTS, FundsLocked.class),
    SETTLEMENT_DUE("SettlementDue", 1, Topics.ESCROW_EVENTS, SettlementDue.class),
    SETTLEMENT_COMPLETED("SettlementCompleted", 1, Topics.ESCROW_EVENTS, SettlementCompleted.class);

    private static final Map<String, EventType> BY_NAME =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(EventType::typeName, Function.identity()));
    private static final Map<Class<?>, EventType> BY_PAYLOAD =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(EventType::payloadType, Function.identity()));

    private final String typeName;
    private final int schemaVersion;
    private final String topic;
    private final Class<? extends EventPayload> payloadType;

    EventType(String typeName, int schemaVersion, String topic, Class<? extends EventPayload> payloadType) {
        this.typeName = typeName;
        this.schemaVersion = schemaVersion;
        this.topic = topic;
        this.payloadType = payloadType;
    }

    public String typeName() {
        return typeName;
    }

    public int schemaVersion() {
        return schemaVersion;
    }

    public String topic() {
        return topic;
    }

    public Class<? extends EventPayload> payloadType() {
        return payloadType;
    }

    /** The type of a name seen on the wire, or {@code null} for a type this build does not know. */
    public static EventType byName(String name) {
        return BY_NAME.get(name);
    }

    public static EventType of(Class<?> payloadClass) {
        EventType type = BY_PAYLOAD.get(payloadClass);
        if (type == null) {
            throw new IllegalArgumentException("no event type for payload " + payloadClass.getName());
        }
        return type;
    }
}
