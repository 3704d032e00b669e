package io.deeploy.events;

import io.deeploy.events.payload.AppFailed;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.BuildCompleted;
import io.deeploy.events.payload.BuildStarted;
import io.deeploy.events.payload.FundingAccepted;
import io.deeploy.events.payload.FundsLocked;
import io.deeploy.events.payload.JobExpiring;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpecChanged;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.NodeRegistered;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.NodeStatusChanged;
import io.deeploy.events.payload.PaidPeriodChanged;
import io.deeploy.events.payload.RouteReady;
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
 * Each topic has one producing service ({@code deeploy-topics.txt}), so the topic of a type also says which service
 * may announce it: the broker's ACLs refuse it from any other.
 */
public enum EventType {
    JOB_REQUESTED("JobRequested", 1, Topics.JOB_COMMANDS, JobRequested.class),
    JOB_STOP_REQUESTED("JobStopRequested", 1, Topics.JOB_COMMANDS, JobStopRequested.class),
    FUNDING_ACCEPTED("FundingAccepted", 1, Topics.JOB_COMMANDS, FundingAccepted.class),
    JOB_EXPIRING("JobExpiring", 1, Topics.JOB_COMMANDS, JobExpiring.class),
    JOB_SPEC_CHANGED("JobSpecChanged", 1, Topics.JOB_COMMANDS, JobSpecChanged.class),
    NODE_SELECTED("NodeSelected", 1, Topics.JOB_EVENTS, NodeSelected.class),
    BUILD_STARTED("BuildStarted", 1, Topics.JOB_EVENTS, BuildStarted.class),
    BUILD_COMPLETED("BuildCompleted", 1, Topics.JOB_EVENTS, BuildCompleted.class),
    APP_STARTED("AppStarted", 1, Topics.JOB_EVENTS, AppStarted.class),
    APP_FAILED("AppFailed", 1, Topics.JOB_EVENTS, AppFailed.class),
    JOB_STOPPED("JobStopped", 1, Topics.JOB_EVENTS, JobStopped.class),
    TUNNEL_READY("TunnelReady", 1, Topics.JOB_EVENTS, TunnelReady.class),
    TUNNEL_FAILED("TunnelFailed", 1, Topics.JOB_EVENTS, TunnelFailed.class),
    ROUTE_READY("RouteReady", 1, Topics.ROUTE_EVENTS, RouteReady.class),
    NODE_REGISTERED("NodeRegistered", 1, Topics.OPERATOR_EVENTS, NodeRegistered.class),
    NODE_STATUS_CHANGED("NodeStatusChanged", 1, Topics.OPERATOR_EVENTS, NodeStatusChanged.class),
    SETTLEMENT_DUE("SettlementDue", 1, Topics.ORACLE_EVENTS, SettlementDue.class),
    FUNDS_LOCKED("FundsLocked", 1, Topics.ESCROW_EVENTS, FundsLocked.class),
    SETTLEMENT_COMPLETED("SettlementCompleted", 1, Topics.ESCROW_EVENTS, SettlementCompleted.class),
    PAID_PERIOD_CHANGED("PaidPeriodChanged", 1, Topics.ESCROW_EVENTS, PaidPeriodChanged.class);

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

    /** The one service that may announce this type: the producer of its topic. */
    public String producer() {
        return Topics.declaration(topic).producer();
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
