package io.deeploy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.tunnel.config.IngressConfig;
import io.deeploy.tunnel.service.RouteService;
import org.junit.jupiter.api.Test;

class RouteUrlTest {

    @Test
    void anAppIsNamedByItsAliasUnderTheBaseDomain() {
        IngressConfig ingress = new IngressConfig() {
            @Override
            public String baseDomain() {
                return "apps.example.org";
            }

            @Override
            public int port() {
                return 8443;
            }

            @Override
            public String host() {
                return "127.0.0.1";
            }

            @Override
            public String routesFile() {
                return "target/unused-routes";
            }

            @Override
            public boolean pathRoutes() {
                return false;
            }
        };
        assertThat(RouteService.urlFor("hello", ingress)).isEqualTo("http://hello.apps.example.org:8443/");
    }
}
