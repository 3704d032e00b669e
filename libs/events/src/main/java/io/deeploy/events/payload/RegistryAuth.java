package io.deeploy.events.payload;

/**
 * How a node logs in to the private registry that holds a job's image (a CAR job's app image, a WAR job's base image).
 * {@code server} is the registry's host or host:port, the one the image reference starts with. The password never
 * travels in events: {@code passwordRef} names the encrypted job secret that holds it ({@value #PASSWORD_SECRET}), which
 * the agent reads from project-svc like the other secrets of the job.
 */
public record RegistryAuth(String server, String username, String passwordRef) {

    /** The job secret that holds the registry password. */
    public static final String PASSWORD_SECRET = "registry.password";
}
