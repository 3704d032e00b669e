package io.deeploy.builder.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.MalformedURLException;
import java.net.Proxy;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import org.eclipse.jgit.transport.http.HttpConnection;
import org.eclipse.jgit.transport.http.JDKHttpConnectionFactory;

/**
 * JGit's HTTP connections, each checked before it opens: a plain http URL (the repository's, or any redirect's) goes to
 * the address its host was checked at, so a second DNS answer cannot send it elsewhere. https is left to
 * {@link PeerCheckingSocketFactory}, which sees the address actually connected to; anything else is refused.
 */
final class PinnedHttpConnectionFactory extends JDKHttpConnectionFactory {

    private final RepositoryTargets targets;

    PinnedHttpConnectionFactory(RepositoryTargets targets) {
        this.targets = targets;
    }

    @Override
    public HttpConnection create(URL url) throws IOException {
        return super.create(checked(url));
    }

    @Override
    public HttpConnection create(URL url, Proxy proxy) throws IOException {
        return super.create(checked(url), proxy);
    }

    /** The URL to open: https as it is (checked once connected), http at its host's checked address. */
    private URL checked(URL url) throws IOException {
        String scheme = url.getProtocol();
        if (scheme.equals("https")) {
            return url;
        }
        if (!scheme.equals("http")) {
            throw new RepositoryTargets.RefusedTarget("only https, http and git:// repositories are fetched, not " + scheme);
        }
        return pinned(url, targets.checked(url.getHost()));
    }

    private static URL pinned(URL url, InetAddress address) throws MalformedURLException {
        try {
            return RepositoryTargets.withHost(url.toURI(), address).toURL();
        } catch (URISyntaxException e) {
            throw new MalformedURLException(e.getMessage());
        }
    }
}
