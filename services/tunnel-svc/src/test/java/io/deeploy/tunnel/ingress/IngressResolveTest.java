package io.deeploy.tunnel.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IngressResolveTest {

    static final String BASE = "apps.localhost";

    @Test
    void theAliasComesFromTheHostName() {
        assertThat(IngressProxy.resolve("hello.apps.localhost:8080", "/x?y=1", BASE, false))
                .isEqualTo(new IngressProxy.Destination("hello", "/x?y=1", null));
        assertThat(IngressProxy.resolve("HELLO.Apps.Localhost", "/", BASE, false))
                .isEqualTo(new IngressProxy.Destination("hello", "/", null));
    }

    @Test
    void orFromTheAppsPathWhenThereIsNoWildcardDns() {
        assertThat(IngressProxy.resolve("127.0.0.1:8080", "/apps/hello/static/a.js", BASE, true))
                .isEqualTo(new IngressProxy.Destination("hello", "/static/a.js", "/apps/hello"));
        assertThat(IngressProxy.resolve("127.0.0.1:8080", "/apps/hello", BASE, true))
                .isEqualTo(new IngressProxy.Destination("hello", "/", "/apps/hello"));
        assertThat(IngressProxy.resolve("127.0.0.1:8080", "/apps/hello?q=1", BASE, true))
                .isEqualTo(new IngressProxy.Destination("hello", "/?q=1", "/apps/hello"));
    }

    @Test
    void anythingElseHasNoApp() {
        assertThat(IngressProxy.resolve("127.0.0.1:8080", "/", BASE, false)).isNull();
        assertThat(IngressProxy.resolve("a.b.apps.localhost", "/", BASE, false)).isNull();
        assertThat(IngressProxy.resolve("apps.localhost", "/", BASE, false)).isNull();
        assertThat(IngressProxy.resolve(null, "/apps/", BASE, true)).isNull();
        // Path routes share one origin among apps: only where the operator turned them on.
        assertThat(IngressProxy.resolve("127.0.0.1:8080", "/apps/hello/", BASE, false)).isNull();
    }
}
