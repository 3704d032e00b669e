package io.deeploy.builder.client;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.StreamType;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.JobIds;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The sidecar containers that run the jobs' tunnel engines. A sidecar joins the network namespace of its app's container
 * ({@code container:<id>}) and has no other: the engine, which its owner can reconfigure remotely (a named tunnel's
 * ingress rules live at Cloudflare, an ngrok agent takes its edge's orders), reaches the app and whatever the app itself
 * may reach under the job's egress, never the node's loopback, its other services or the Docker socket. It runs with no
 * capability, no new privileges, a read-only root, no mount and no published port. Blocking: call from a worker thread.
 */
@ApplicationScoped
public class TunnelContainers {

    public static final String ROLE = "tunnel";
    /** A digest of what a sidecar was made for: a later run of the agent keeps one only if it is still the right one. */
    public static final String DIGEST_LABEL = "deeploy.tunnel";
    /** An engine runs a few dozen threads; this leaves room for them, not for a fork bomb. */
    public static final long PIDS_LIMIT = 256;
    /** cloudflared and ngrok hold a few connections and little state; they stay well below this. */
    public static final long MEMORY_BYTES = 128L * 1024 * 1024;

    private final DockerClient docker;
    private final ImagePuller images;
    private final NodeConfig node;

    public TunnelContainers(DockerClient docker, ImagePuller images, NodeConfig node) {
        this.docker = docker;
        this.images = images;
        this.node = node;
    }

    /**
     * One engine for one app container. {@code env} holds the token, so this record's text never shows it.
     *
     * @param imageSetting the setting that names {@code image}, for a message that says what to fix
     */
    public record Sidecar(String jobId, String image, String imageSetting, List<String> args, Map<String, String> env,
            String appContainerId) {

        /** SHA-256 of everything the sidecar is made of, its token included (a rotated token needs a new sidecar). */
        public String digest() {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                for (String part : parts()) {
                    // Length-prefixed, so that no two different lists of parts give the same bytes.
                    byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
                    sha.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
                    sha.update((byte) ':');
                    sha.update(bytes);
                }
                return HexFormat.of().formatHex(sha.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("no SHA-256", e);
            }
        }

        private List<String> parts() {
            List<String> parts = new ArrayList<>(List.of(image, appContainerId));
            parts.addAll(args);
            env.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> parts.add(e.getKey() + "=" + e.getValue()));
            return parts;
        }

        @Override
        public String toString() {
            return "Sidecar[jobId=" + jobId + ", image=" + image + ", args=" + args + ", env=" + env.keySet() + ", appContainerId="
                    + appContainerId + "]";
        }
    }

    /** A tunnel sidecar of this node as the engine reports it. */
    public record Found(String id, String digest, boolean running) {
    }

    /** Why a sidecar could not be started; the message names what to fix and holds no token. */
    public static class Unavailable extends Exception {
        public Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    /** Creates and starts the sidecar (its image pulled first if need be); returns its id. */
    public String start(Sidecar sidecar) throws Unavailable {
        JobIds.checked(sidecar.jobId());
        ensureImage(sidecar.image(), sidecar.imageSetting());
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode("container:" + sidecar.appContainerId())
                .withCapDrop(Capability.ALL)
                .withSecurityOpts(List.of("no-new-privileges"))
                .withPrivileged(false)
                .withReadonlyRootfs(true)
                .withPidsLimit(PIDS_LIMIT)
                .withMemory(MEMORY_BYTES)
                .withMemorySwap(MEMORY_BYTES);
        try {
            String id = docker.createContainerCmd(sidecar.image())
                    .withName("deeploy-" + sidecar.jobId() + "-" + ROLE + "-" + System.nanoTime())
                    .withLabels(Map.of(ContainerRuntime.JOB_LABEL, sidecar.jobId(), ContainerRuntime.NODE_LABEL, node.id(),
                            ContainerRuntime.ROLE_LABEL, ROLE, DIGEST_LABEL, sidecar.digest()))
                    .withCmd(sidecar.args())
                    .withEnv(sidecar.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                    .withHostConfig(host)
                    .exec().getId();
            try {
                docker.startContainerCmd(id).exec();
            } catch (DockerException e) {
                remove(id, Duration.ZERO);
                throw e;
            }
            return id;
        } catch (DockerException | DockerClientException e) {
            // Mostly an app container that is gone: it was replaced or exited while its sidecar was being made.
            throw new Unavailable("cannot start a container of " + sidecar.image() + " beside app container "
                    + shortId(sidecar.appContainerId()) + ": " + ImagePuller.refusal(e));
        }
    }

    /**
     * The node's own images ({@code local-image-prefixes}) are used as the engine has them; any other is pulled when it
     * is absent, once: a sidecar that starts again keeps the image it ran.
     */
    private void ensureImage(String image, String setting) throws Unavailable {
        if (images.present(image)) {
            return;
        }
        if (node.localImagePrefixes().stream().anyMatch(image::startsWith)) {
            throw new Unavailable("image " + image + " (" + setting + ") is one of this node's own images, and this node has "
                    + "none by that name");
        }
        try {
            images.pull(image, null, node.pullTimeout());
        } catch (ImagePuller.PullFailed e) {
            throw new Unavailable(e.getMessage() + " (" + setting + ")");
        }
    }

    /**
     * Streams the sidecar's output (stdout and stderr, from its start) to {@code lines}, one call per line, on a thread
     * of the Docker client; closing the result ends the stream. The stream also ends by itself when the container exits
     * or the engine goes quiet longer than the client's response timeout: it is for what an engine says at its start.
     */
    public Closeable follow(String containerId, Consumer<String> lines) {
        return docker.logContainerCmd(containerId).withFollowStream(true).withStdOut(true).withStdErr(true)
                .exec(new Lines(lines));
    }

    /**
     * Waits until the sidecar exits and returns its exit code, or null when it is gone. Asked every {@code every}: one
     * long wait request would be cut by the client's response timeout, and this one ends at an interrupt.
     */
    public Long awaitExit(String containerId, Duration every) throws InterruptedException {
        while (true) {
            try {
                var state = docker.inspectContainerCmd(containerId).exec().getState();
                if (!Boolean.TRUE.equals(state.getRunning())) {
                    return state.getExitCodeLong();
                }
            } catch (NotFoundException e) {
                return null;
            } catch (DockerException | DockerClientException e) {
                // The engine did not answer this once; asked again at the next turn.
            }
            Thread.sleep(every.toMillis());
        }
    }

    /** The last {@code lines} lines of the sidecar's output, oldest first; empty when it is gone. */
    public List<String> tail(String containerId, int lines) {
        List<String> tail = Collections.synchronizedList(new ArrayList<>());
        try (Lines reader = new Lines(tail::add)) {
            docker.logContainerCmd(containerId).withStdOut(true).withStdErr(true).withTail(lines).exec(reader)
                    .awaitCompletion(10, TimeUnit.SECONDS);
            reader.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (DockerException | DockerClientException | IOException e) {
            return List.of();
        }
        synchronized (tail) {
            return List.copyOf(tail);
        }
    }

    /**
     * Stops the sidecar ({@code grace} for the engine to close its connections) and removes it. A sidecar already gone,
     * or whose removal the engine is already doing, counts as removed.
     */
    public void remove(String containerId, Duration grace) {
        try {
            docker.stopContainerCmd(containerId).withTimeout((int) Math.max(0, grace.toSeconds())).exec();
        } catch (NotFoundException e) {
            return;
        } catch (NotModifiedException | ConflictException e) {
            // Already stopped, or on its way out.
        }
        try {
            docker.removeContainerCmd(containerId).withForce(true).exec();
        } catch (NotFoundException e) {
            // already gone
        } catch (ConflictException e) {
            if (e.getMessage() == null || !e.getMessage().contains("already in progress")) {
                throw e;
            }
        }
    }

    /** This node's tunnel sidecars of the job, running or not. */
    public List<Found> of(String jobId) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerRuntime.JOB_LABEL, jobId,
                        ContainerRuntime.NODE_LABEL, node.id(), ContainerRuntime.ROLE_LABEL, ROLE)).exec().stream()
                .map(c -> new Found(c.getId(), c.getLabels() == null ? null : c.getLabels().get(DIGEST_LABEL),
                        "running".equals(c.getState())))
                .toList();
    }

    static String shortId(String containerId) {
        return containerId == null || containerId.length() <= 12 ? containerId : containerId.substring(0, 12);
    }

    /**
     * Frames cut into lines. The engine hands over what a process wrote, in pieces of its own size, stdout and stderr
     * interleaved: each stream is joined up on its own before it is split at line ends.
     */
    static final class Lines extends ResultCallback.Adapter<Frame> {

        private final Consumer<String> lines;
        private final Map<StreamType, ByteArrayOutputStream> partial = new EnumMap<>(StreamType.class);

        Lines(Consumer<String> lines) {
            this.lines = lines;
        }

        @Override
        public synchronized void onNext(Frame frame) {
            ByteArrayOutputStream buffer = partial.computeIfAbsent(frame.getStreamType(), type -> new ByteArrayOutputStream());
            for (byte b : frame.getPayload()) {
                if (b == '\n') {
                    emit(buffer);
                } else {
                    buffer.write(b);
                }
            }
        }

        @Override
        public void onComplete() {
            flush();
            super.onComplete();
        }

        /**
         * A stream cut short (the container went, the client's response timeout, a close of ours) just ends: the
         * sidecar's exit is watched apart, and the client's own callback would log each cut at ERROR.
         */
        @Override
        public void onError(Throwable throwable) {
            flush();
            try {
                close();
            } catch (IOException e) {
                // the stream is gone either way
            }
        }

        /** Hands over what is left of each stream without a line end. */
        synchronized void flush() {
            partial.values().forEach(buffer -> {
                if (buffer.size() > 0) {
                    emit(buffer);
                }
            });
        }

        private void emit(ByteArrayOutputStream buffer) {
            String line = buffer.toString(StandardCharsets.UTF_8);
            buffer.reset();
            lines.accept(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
        }
    }
}
