package io.deeploy.builder.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {

    // HMAC-SHA256("It's a Secret to Everybody", "Hello, World!"), the example in GitHub's webhook documentation.
    static final String SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    @Test
    void acceptsTheSignatureOfTheBodyUnderTheSecret() {
        byte[] body = "Hello, World!".getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookResource.validSignature("It's a Secret to Everybody", body, SIGNATURE)).isTrue();
    }

    @Test
    void refusesAnyOtherBodySecretOrFormat() {
        byte[] body = "Hello, World!".getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookResource.validSignature("It's a Secret to Everybody", "Hello, World?".getBytes(StandardCharsets.UTF_8),
                SIGNATURE)).isFalse();
        assertThat(WebhookResource.validSignature("another secret", body, SIGNATURE)).isFalse();
        assertThat(WebhookResource.validSignature("It's a Secret to Everybody", body, SIGNATURE.replace("sha256=", "sha1="))).isFalse();
        assertThat(WebhookResource.validSignature("It's a Secret to Everybody", body, "sha256=zz")).isFalse();
        assertThat(WebhookResource.validSignature("It's a Secret to Everybody", body, "sha256=")).isFalse();
    }
}
