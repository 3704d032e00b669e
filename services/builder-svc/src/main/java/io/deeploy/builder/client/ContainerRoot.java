package io.deeploy.builder.client;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Info;
import io.deeploy.builder.config.NodeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Who root of a container is on this node. The node's engine remaps user namespaces, so root in a build or an app is an
 * unprivileged uid of the host (the first of the remap user's subordinate range): a set-uid file a job leaves in its
 * workspace belongs to that uid, not to the node's root. What the agent mounts into a container is handed to that uid
 * first, since the container's root has no rights on files of the host's root. Blocking: call from a worker thread.
 */
@ApplicationScoped
public class ContainerRoot {

    /** The engine keeps a remapped daemon's files in {@code <data-root>/<uid>.<gid>}. */
    private static final Pattern REMAPPED_ROOT_DIR = Pattern.compile(".*/(\\d+)\\.(\\d+)/?");

    /** The host ids of a container's root. */
    public record Remapped(int uid, int gid) {
    }

    /** Thrown instead of starting a container that would run as the node's root. */
    public static class NotIsolated extends IllegalStateException {
        public NotIsolated(String message) {
            super(message);
        }
    }

    private final DockerClient docker;
    private final boolean required;
    private volatile Remapped remapped;

    public ContainerRoot(DockerClient docker, NodeConfig node) {
        this.docker = docker;
        this.required = node.requireUserNamespaces();
    }

    /**
     * The remapped root of the engine, or null when the engine runs containers as the host's root. Asked once: an engine
     * changes its remapping only with a restart, which also ends every container.
     */
    public Remapped remapped() {
        Remapped known = remapped;
        if (known == null) {
            known = remapped = of(docker.infoCmd().exec());
        }
        return known;
    }

    static Remapped of(Info info) {
        List<String> options = info.getSecurityOptions() == null ? List.of() : info.getSecurityOptions();
        boolean userns = options.stream().anyMatch(option -> option.equals("userns") || option.startsWith("name=userns"));
        Matcher root = REMAPPED_ROOT_DIR.matcher(String.valueOf(info.getDockerRootDir()));
        if (!userns || !root.matches()) {
            return null;
        }
        return new Remapped(Integer.parseInt(root.group(1)), Integer.parseInt(root.group(2)));
    }

    /** Refuses, unless the operator allowed it, to go on with an engine whose containers run as the node's root. */
    public void requireIsolation() {
        if (required && remapped() == null) {
            throw new NotIsolated("the node's Docker engine does not remap user namespaces (dockerd --userns-remap), so a job "
                    + "would run as the node's root; start it with remapping or set deeploy.node.require-user-namespaces=false");
        }
    }

    /**
     * Hands {@code path} (a file, or a directory and all it holds) to the container's root. Symbolic links are changed
     * themselves, never followed: a checkout may hold a link to any file of the node.
     */
    public void handOver(Path path) {
        Remapped root = remapped();
        if (root == null) {
            return;
        }
        try (Stream<Path> tree = Files.walk(path)) {
            tree.forEach(entry -> {
                try {
                    Files.setAttribute(entry, "unix:uid", root.uid(), LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(entry, "unix:gid", root.gid(), LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hand " + path + " to the containers' root", e);
        }
    }
}
