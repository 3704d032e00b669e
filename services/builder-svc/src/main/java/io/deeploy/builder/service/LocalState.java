package io.deeploy.builder.service;

import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.EventCodec;
import io.deeploy.node.api.DesiredAllocations;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.jboss.logging.Logger;

/**
 * The agent's own state, on its own disk (an agent has no platform database): the last desired allocations the gateway
 * gave it. A restarted agent follows them at once, so its apps are adopted and keep serving even while the gateway is
 * away; the gateway's next answer replaces them. Owner-only: it holds the jobs' specs.
 */
@ApplicationScoped
public class LocalState {

    private static final Logger LOG = Logger.getLogger(LocalState.class);

    private final Path file;

    public LocalState(NodeConfig config) {
        this.file = Path.of(config.workDir(), "desired-allocations.json");
    }

    /** The last desired state saved, or null if there is none (or it cannot be read). */
    public DesiredAllocations load() {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return EventCodec.mapper().readValue(Files.readString(file, StandardCharsets.UTF_8), DesiredAllocations.class);
        } catch (IOException e) {
            LOG.warnf("last desired state %s unreadable (%s); waiting for the gateway's", file, e.getMessage());
            return null;
        }
    }

    public void save(DesiredAllocations state) {
        try {
            Files.createDirectories(file.getParent());
            Path temporary = Files.createTempFile(file.getParent(), ".desired", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temporary, EventCodec.toJson(state), StandardCharsets.UTF_8);
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.warnf("desired state not saved (%s): a restart would wait for the gateway", e.getMessage());
        }
    }
}
