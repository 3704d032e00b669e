package io.deeploy.events;

/**
 * The body of an event. {@link #key()} is the Kafka record key: the job id for job events, the node id for node
 * events, so that all events about one job (or node) land on one partition and keep their order.
 */
public interface EventPayload {

    String key();
}
