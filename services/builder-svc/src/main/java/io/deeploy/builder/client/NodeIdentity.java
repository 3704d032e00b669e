package io.deeploy.builder.client;

import io.deeploy.builder.config.NodeConfig;
import io.deeploy.node.Ed25519Keys;
import io.deeploy.node.NodeSigner;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * This node's identity: its id and its Ed25519 key pair, made on first start in an owner-only file. The gateway knows
 * the node by the public half, which its operator registers; the private half never leaves the file.
 */
@ApplicationScoped
public class NodeIdentity {

    private static final Logger LOG = Logger.getLogger(NodeIdentity.class);

    private final NodeSigner signer;
    private final Path keyFile;

    public NodeIdentity(NodeConfig config) {
        this.keyFile = Path.of(config.keyFile().orElse(Path.of(config.workDir(), "node.key").toString()));
        try {
            this.signer = new NodeSigner(config.id(), Ed25519Keys.loadOrCreate(keyFile));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the node key " + keyFile, e);
        }
        LOG.infof("node %s, public key %s (in %s)", config.id(), signer.publicKey(), Ed25519Keys.publicKeyFile(keyFile));
    }

    public NodeSigner signer() {
        return signer;
    }

    public String nodeId() {
        return signer.nodeId();
    }

    public String publicKey() {
        return signer.publicKey();
    }
}
