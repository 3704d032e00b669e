package io.deeploy.builder.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/** The checks every repository connection of the agent goes through, against real sockets on loopback. */
class RepositoryTargetsTest {

    final RepositoryTargets strict = new RepositoryTargets(List.of());
    final RepositoryTargets loopbackOne = new RepositoryTargets(List.of("127.0.0.1/32"));

    @Test
    void pathsAndSchemesOtherThanHttpAndGitAreRefused() {
        for (String url : new String[] {"file:///etc/passwd", "/srv/repos/other-tenant.git", "ssh://git@example.org/r.git",
                "ftp://example.org/r.git", "jar:file:/x!/", "https://user:pw@example.org/r.git", "https:///r.git"}) {
            assertThatThrownBy(() -> strict.connectable(url)).as(url).isInstanceOf(RepositoryTargets.RefusedTarget.class)
                    .hasMessageStartingWith("repository.url: ");
        }
    }

    @Test
    void loopbackPrivateAndLinkLocalTargetsAreRefusedUnlessTheOperatorAllowsTheirRange() throws Exception {
        for (String url : new String[] {"git://127.0.0.1:9418/r.git", "http://localhost:8080/r.git", "https://10.0.0.5/r.git",
                "http://169.254.169.254/latest/meta-data", "git://[::1]/r.git", "http://[::ffff:192.168.1.1]/r.git"}) {
            assertThatThrownBy(() -> strict.connectable(url)).as(url).isInstanceOf(RepositoryTargets.RefusedTarget.class);
        }
        assertThat(loopbackOne.connectable("git://127.0.0.1:9418/r.git")).isEqualTo("git://127.0.0.1:9418/r.git");
        assertThatThrownBy(() -> loopbackOne.connectable("git://127.0.0.2:9418/r.git")).hasMessageContaining("loopback");
    }

    @Test
    void gitAndHttpConnectionsGoToTheAddressThatWasChecked() throws Exception {
        // A name is resolved once; git:// is rewritten at once, http by the connection factory JGit opens it with.
        assertThat(loopbackOne.connectable("git://localhost:9418/r.git")).isEqualTo("git://127.0.0.1:9418/r.git");
        PinnedHttpConnectionFactory factory = new PinnedHttpConnectionFactory(loopbackOne);
        assertThat(factory.create(new URL("http://localhost:8080/r.git/info/refs?service=git-upload-pack")).getURL())
                .hasToString("http://127.0.0.1:8080/r.git/info/refs?service=git-upload-pack");
        // A redirect to a refused address is opened through the same factory, and refused there.
        assertThatThrownBy(() -> factory.create(new URL("http://127.0.0.2:8080/r.git"))).isInstanceOf(RepositoryTargets.RefusedTarget.class);
        assertThatThrownBy(() -> factory.create(new URL("ftp://example.org/r.git"))).isInstanceOf(RepositoryTargets.RefusedTarget.class);
    }

    @Test
    void tlsIsOnlyLayeredOnAConnectionToAnAllowedPeer() throws Exception {
        PeerCheckingSocketFactory tls = new PeerCheckingSocketFactory(SSLContext.getDefault().getSocketFactory(), loopbackOne::refusal);
        try (ServerSocket refusedServer = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"));
                ServerSocket allowedServer = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            // The name says nothing: what counts is where the socket is connected (after any DNS answer or redirect).
            Socket toRefused = connect(refusedServer);
            assertThatThrownBy(() -> tls.createSocket(toRefused, "git.example.org", refusedServer.getLocalPort(), true))
                    .isInstanceOf(RepositoryTargets.RefusedTarget.class).hasMessageContaining("127.0.0.2");
            assertThat(toRefused.isClosed()).isTrue();
            try (Socket toAllowed = connect(allowedServer)) {
                assertThat(tls.createSocket(toAllowed, "git.example.org", allowedServer.getLocalPort(), true)).isInstanceOf(SSLSocket.class);
            }
            assertThatThrownBy(() -> tls.createSocket("127.0.0.2", refusedServer.getLocalPort()))
                    .isInstanceOf(RepositoryTargets.RefusedTarget.class);
            // The JDK must not get a socket it would connect on its own.
            assertThatThrownBy(tls::createSocket).hasCauseInstanceOf(UnsupportedOperationException.class);
        }
    }

    private static Socket connect(ServerSocket server) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()), 2000);
        return socket;
    }
}
