package io.deeploy.builder.client;

import io.deeploy.builder.config.NodeConfig;
import io.deeploy.node.TargetAddresses;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.HttpsURLConnection;
import org.eclipse.jgit.transport.HttpTransport;

/**
 * Where a job's repository may be fetched from: an http(s) or git:// server at a public address, never a path on this
 * node ({@code file://}, a local path), nor a loopback, private, link-local or this node's own address, unless the
 * node's operator lists its range in {@code deeploy.node.allowed-target-ranges}. A tenant would otherwise make the node
 * read its own files (other tenants' mirrors among them), its services or its operator's network.
 *
 * <p>A name is resolved once and the connection goes to what was checked, so DNS rebinding cannot switch the target:
 * git:// and plain http URLs are rewritten to the checked address (for http in {@link PinnedHttpConnectionFactory}, which
 * JGit uses for every connection, redirects included), and an https connection is checked once connected, before TLS
 * sends a byte ({@link PeerCheckingSocketFactory}), because its certificate must be verified against the name.
 */
@Startup
@ApplicationScoped
public class RepositoryTargets {

    /** A repository target the node will not reach; the message names the field the tenant set. */
    public static class RefusedTarget extends IOException {
        public RefusedTarget(String message) {
            super("repository.url: " + message);
        }
    }

    static final List<String> SCHEMES = List.of("https", "http", "git");

    private final List<String> allowedRanges;

    @Inject
    public RepositoryTargets(NodeConfig node) {
        this(node.allowedTargetRanges().orElse(List.of()));
    }

    RepositoryTargets(List<String> allowedRanges) {
        this.allowedRanges = List.copyOf(allowedRanges);
    }

    /** Makes every repository connection of this process go through the checks (JGit's and the JDK's global hooks). */
    @PostConstruct
    void install() {
        HttpTransport.setConnectionFactory(new PinnedHttpConnectionFactory(this));
        HttpsURLConnection.setDefaultSSLSocketFactory(new PeerCheckingSocketFactory(HttpsURLConnection.getDefaultSSLSocketFactory(),
                this::refusal));
    }

    /**
     * The URL to hand to JGit for the repository at {@code url}: the same for https (checked when connected), the host
     * replaced by its checked address for git://, and for http as JGit opens it. Refused when the scheme or any address
     * the host resolves to is not allowed.
     */
    public String connectable(String url) throws RefusedTarget {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new RefusedTarget("not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!SCHEMES.contains(scheme)) {
            throw new RefusedTarget("only https, http and git:// repositories are fetched, not " + (scheme.isEmpty() ? "a path" : scheme));
        }
        if (uri.getHost() == null || uri.getUserInfo() != null) {
            throw new RefusedTarget("the URL needs a host and carries no credentials");
        }
        InetAddress address = checked(uri.getHost());
        return scheme.equals("git") ? withHost(uri, address).toString() : url;
    }

    /** Every address {@code host} resolves to, checked; the first one, to connect to. */
    InetAddress checked(String host) throws RefusedTarget {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new RefusedTarget("host " + host + " is not known");
        }
        for (InetAddress address : addresses) {
            String refusal = refusal(address);
            if (refusal != null) {
                throw new RefusedTarget(host + " is " + refusal + " (" + address.getHostAddress() + ")");
            }
        }
        return addresses[0];
    }

    /** Why a job may not reach {@code address} from this node, or null when it may. */
    String refusal(InetAddress address) {
        for (String range : allowedRanges) {
            if (TargetAddresses.inRange(address, range)) {
                return null;
            }
        }
        String restriction = TargetAddresses.restriction(address);
        if (restriction != null) {
            return restriction;
        }
        return isOwnAddress(address) ? "one of this node's own addresses" : null;
    }

    static URI withHost(URI uri, InetAddress address) {
        String host = address.getHostAddress();
        try {
            return new URI(uri.getScheme(), null, host.contains(":") ? "[" + host + "]" : host, uri.getPort(), uri.getPath(),
                    uri.getQuery(), uri.getFragment());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isOwnAddress(InetAddress address) {
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (Collections.list(nic.getInetAddresses()).stream().anyMatch(own -> own.equals(address))) {
                    return true;
                }
            }
            return false;
        } catch (SocketException e) {
            return true; // when the node cannot list its addresses, it cannot rule any out
        }
    }
}
