package io.deeploy.builder.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.function.Function;
import javax.net.ssl.SSLSocketFactory;

/**
 * TLS sockets that may only talk to an allowed address: the peer a socket is connected to is checked before the
 * handshake, so an https repository whose name resolves (now, or after a redirect) to a refused address gets not a
 * byte. Unconnected sockets are not offered, which makes the JDK connect a plain socket first and layer TLS on it here.
 */
final class PeerCheckingSocketFactory extends SSLSocketFactory {

    private final SSLSocketFactory delegate;
    /** Why an address is refused, or null. */
    private final Function<InetAddress, String> refusal;

    PeerCheckingSocketFactory(SSLSocketFactory delegate, Function<InetAddress, String> refusal) {
        this.delegate = delegate;
        this.refusal = refusal;
    }

    @Override
    public Socket createSocket() throws IOException {
        // The JDK's sign for "not implemented", upon which it connects a plain socket and calls the layering method.
        SocketException notOffered = new SocketException("unconnected sockets are not offered");
        notOffered.initCause(new UnsupportedOperationException());
        throw notOffered;
    }

    @Override
    public Socket createSocket(Socket connected, String host, int port, boolean autoClose) throws IOException {
        check(connected, autoClose);
        return delegate.createSocket(connected, host, port, autoClose);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return check(delegate.createSocket(host, port), true);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return check(delegate.createSocket(host, port, localHost, localPort), true);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return check(delegate.createSocket(host, port), true);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return check(delegate.createSocket(address, port, localAddress, localPort), true);
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return delegate.getSupportedCipherSuites();
    }

    private Socket check(Socket socket, boolean closeIfRefused) throws IOException {
        InetAddress peer = socket.getInetAddress();
        String why = peer == null ? "not connected" : refusal.apply(peer);
        if (why != null) {
            if (closeIfRefused) {
                socket.close();
            }
            throw new RepositoryTargets.RefusedTarget("the server is " + why + (peer == null ? "" : " (" + peer.getHostAddress() + ")"));
        }
        return socket;
    }
}
