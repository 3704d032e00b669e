package io.deeploy.tunnel.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IngressResolveTest {

    static final String BASE = "apps.localhost";

    @Test
    void theAliasComesFromTheHostName() {
        assertThat(IngressServer.resolve("hello.apps.localhost:8080", "/x?y=1", BASE, false))
                .isEqualTo(new IngressServer.Destination("hello", "/x?y=1", null));
        assertThat(IngressServer.resolve("HELLO.Apps.Localhost", "/", BASE, false))
                .isEqualTo(new IngressServer.Destination("hello", "/", null));
    }

    @Test
    void orFromTheAppsPathWhenThereIsNoWildcardDns() {
        assertThat(IngressServer.resolve("127.0.0.1:8080", "/apps/hello/static/a.js", BASE, true))
                .isEqualTo(new IngressServer.Destination("hello", "/static/a.js", "/apps/hello"));
        assertThat(IngressServer.resolve("127.0.0.1:8080", "/apps/hello", BASE, true))
                .isEqualTo(new IngressServer.Destination("hello", "/", "/apps/hello"));
        assertThat(IngressServer.resolve("127.0.0.1:8080", "/apps/hello?q=1", BASE, true))
                .isEqualTo(new IngressServer.Destination("hello", "/?q=1", "/apps/hello"));
    }

    @Test
    void anythingElseHasNoApp() {
        assertThat(IngressServer.resolve("127.0.0.1:8080", "/", BASE, false)).isNull();
        assertThat(IngressServer.resolve("a.b.apps.localhost", "/", BASE, false)).isNull();
        assertThat(IngressServer.resolve("apps.localhost", "/", BASE, false)).isNull();
        assertThat(IngressServer.resolve(null, "/apps/", BASE, true)).isNull();
        // Path routes share one origin among apps: only where the operator turned them on.
        assertThat(IngressServer.resolve("127.0.0.1:8080", "/apps/hello/", BASE, false)).isNull();
    }
}
