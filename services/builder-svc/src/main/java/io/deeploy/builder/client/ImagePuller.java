package io.deeploy.builder.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.PullImageCmd;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.PullResponseItem;
import io.deeploy.events.EventCodec;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Brings a job's image into the node's engine: from a private registry with the job's credentials, or anonymously. The
 * password goes to the engine in its X-Registry-Auth header only; failures are told in words of the engine (or the
 * registry behind it) with the password taken out, and are never logged from here. Blocking: call from a worker thread.
 */
@ApplicationScoped
public class ImagePuller {

    static final String REDACTED = "[redacted]";

    private final DockerClient docker;

    public ImagePuller(DockerClient docker) {
        this.docker = docker;
    }

    /** Credentials for one registry. The password is kept out of {@link #toString()}, so a stray log line cannot show it. */
    public record Login(String server, String username, String password) {
        @Override
        public String toString() {
            return "Login[server=" + server + ", username=" + username + ", password=" + REDACTED + "]";
        }
    }

    /** Why an image could not be pulled; the message names the image (and registry) and holds no password. */
    public static class PullFailed extends Exception {
        public PullFailed(String message) {
            // No cause and no stack trace: the engine's exception is reduced to its message, which is redacted.
            super(message, null, false, false);
        }
    }

    /** Whether the engine has the image under this reference. */
    public boolean present(String image) {
        try {
            docker.inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    /** Pulls {@code image} (with {@code login}'s credentials, or anonymously when null) and waits until it is there. */
    public void pull(String image, Login login, Duration timeout) throws PullFailed {
        String what = login == null
                ? "image " + image + " is not on this node and pulling it failed: "
                : "pulling " + image + " from registry " + login.server() + " as " + login.username() + " failed: ";
        String password = login == null ? null : login.password();
        String[] reference = repositoryAndTag(image);
        PullImageCmd pull = docker.pullImageCmd(reference[0]);
        if (reference[1] != null) {
            pull.withTag(reference[1]);
        }
        if (login != null) {
            pull.withAuthConfig(new AuthConfig().withRegistryAddress(login.server()).withUsername(login.username())
                    .withPassword(login.password()));
        }
        Progress progress = new Progress();
        try {
            pull.exec(progress);
            if (!progress.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new PullFailed(what + "it did not finish within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PullFailed(what + "interrupted");
        } catch (DockerException | com.github.dockerjava.api.exception.DockerClientException e) {
            // A refusal before the stream starts (bad request, engine down) is thrown rather than called back.
            throw new PullFailed(redact(what + refusal(e), password));
        } finally {
            closeQuietly(progress);
        }
        if (progress.failure != null) {
            throw new PullFailed(redact(what + refusal(progress.failure), password));
        }
        if (progress.error != null) {
            throw new PullFailed(redact(what + progress.error, password));
        }
        if (!present(image)) {
            throw new PullFailed(what + "the engine reported no error but does not have the image");
        }
    }

    /**
     * The engine's fromImage and tag. Without a tag the engine would pull every tag of the repository, so a reference
     * without one means {@code latest}, as for {@code docker pull}; a digest reference is passed whole.
     */
    static String[] repositoryAndTag(String image) {
        if (image.contains("@")) {
            return new String[] {image, null};
        }
        int colon = image.lastIndexOf(':');
        if (colon > image.lastIndexOf('/')) {
            return new String[] {image.substring(0, colon), image.substring(colon + 1)};
        }
        return new String[] {image, "latest"};
    }

    /**
     * What the engine said: docker-java reports an HTTP error as {@code Status 500: {"message":"..."}}; the message alone
     * is what a user can act on (e.g. "unauthorized: authentication required").
     */
    static String refusal(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        int brace = message.indexOf('{');
        if (brace >= 0) {
            try {
                JsonNode body = EventCodec.mapper().readTree(message.substring(brace));
                if (body.hasNonNull("message")) {
                    return body.get("message").asText().strip();
                }
            } catch (IOException notJson) {
                // fall through to the message as it is
            }
        }
        return message.strip();
    }

    /** {@code text} without {@code password}, whatever the engine or a registry chose to repeat. */
    static String redact(String text, String password) {
        return password == null || password.isEmpty() || text == null ? text : text.replace(password, REDACTED);
    }

    private static void closeQuietly(Progress progress) {
        try {
            progress.close();
        } catch (IOException e) {
            // the stream is gone either way
        }
    }

    /**
     * Keeps the last error of the pull's progress stream. docker-java's own callbacks log a failed stream at ERROR with
     * its exception; the agent reports the failure itself, once and redacted, so this one does not.
     */
    static final class Progress extends ResultCallback.Adapter<PullResponseItem> {
        volatile String error;
        volatile Throwable failure;

        @Override
        public void onNext(PullResponseItem item) {
            if (item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null) {
                error = item.getErrorDetail().getMessage();
            } else if (item.getError() != null) {
                error = item.getError();
            }
        }

        @Override
        public void onError(Throwable throwable) {
            failure = throwable;
            closeQuietly(this);
        }
    }
}
