package io.deeploy.client;

/** A job's push webhook: where the forge delivers, and the secret it signs with (only when just made). */
public record Webhook(String url, String secret) {
}
