package io.deeploy.node.api;

/** An error answer of the gateway: a stable code the agent acts on and a message for its operator. */
public record Refusal(String code, String message) {
}
