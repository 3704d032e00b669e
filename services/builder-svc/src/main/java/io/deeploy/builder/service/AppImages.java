package io.deeploy.builder.service;

import io.deeploy.builder.client.ImagePuller;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.RegistryAuth;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Makes sure a job's image is in the engine before a container of it starts. A deployment of a job with a registry
 * always pulls, so that it runs what the registry holds under the reference now and its credentials are checked;
 * otherwise only a missing image is pulled, so a locally built image is used as it is and a restart does not change the
 * version it runs. Pulls take a build slot.
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
        if (!(deploying && registry != null) && images.present(spec.image())) {
            return null;
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
