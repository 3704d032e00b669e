package io.deeploy.node.api;

/**
 * What a node needs to know about the platform before it signs anything: the audience its signatures are bound to, the
 * public key that verifies log grants, and the gateway's clock (to warn about a node clock outside the nonce window).
 */
public record PlatformInfo(String audience, String logGrantKey, long serverTimeMillis) {
}
