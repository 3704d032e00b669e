package io.deeploy.builder.service;

import io.deeploy.builder.client.ImagePuller;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.RegistryAuth;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Makes sure a job's image is in the engine before a container of it starts. Every deployment of an image from a
 * registry pulls it, with the job's credentials or anonymously, so the registry decides at deploy time whether this
 * job may have it: an image that another tenant's credentials brought into the engine is no way around a private
 * registry. Only the node's own images (under {@code deeploy.node.local-image-prefixes}, built or loaded by its
 * operator) run from the engine as they are. A restart of a deployed job does not pull, so it keeps its version.
 * Pulls take a build slot.
 */
@ApplicationScoped
public class AppImages {

    private static final Logger LOG = Logger.getLogger(AppImages.class);

    private final ImagePuller images;
    private final JobSecrets secrets;
    private final BuildSlots slots;
    private final NodeConfig node;

    public AppImages(ImagePuller images, JobSecrets secrets, BuildSlots slots, NodeConfig node) {
        this.images = images;
        this.secrets = secrets;
        this.slots = slots;
        this.node = node;
    }

    /** Null when the image is there to run; otherwise why not (the reason for AppFailed, which holds no password). */
    public String prepare(String jobId, JobSpec spec, boolean deploying) {
        RegistryAuth registry = spec.registry();
        boolean nodesOwn = node.localImagePrefixes().stream().anyMatch(spec.image()::startsWith);
        if ((nodesOwn || !deploying) && images.present(spec.image())) {
            return null;
        }
        if (nodesOwn) {
            return "deployment failed: image " + spec.image() + " is one of this node's own images, and this node has none "
                    + "by that name";
        }
        ImagePuller.Login login = null;
        if (registry != null) {
            String password = secrets.get(jobId, registry.passwordRef());
            if (password == null) {
                return "deployment failed: the password for registry " + registry.server() + " (job secret "
                        + registry.passwordRef() + ") is not among the job's secrets on this node";
            }
            login = new ImagePuller.Login(registry.server(), registry.username(), password);
        }
        ImagePuller.Login credentials = login;
        try {
            slots.run(() -> {
                images.pull(spec.image(), credentials, node.pullTimeout());
                return null;
            });
            LOG.infof("job %s: pulled %s", jobId, spec.image());
            return null;
        } catch (ImagePuller.PullFailed e) {
            LOG.warnf("job %s: %s", jobId, e.getMessage());
            return "deployment failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "deployment interrupted while pulling " + spec.image();
        } catch (Exception e) {
            return "deployment failed: pulling " + spec.image() + ": " + e.getMessage();
        }
    }
}
