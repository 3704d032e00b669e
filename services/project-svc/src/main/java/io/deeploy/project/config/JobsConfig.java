package io.deeploy.project.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** What the platform's operator loosens in the jobs tenants may ask for; everything is strict by default. */
@ConfigMapping(prefix = "deeploy.jobs")
public interface JobsConfig {

    /**
     * Whether a job's repository may be on localhost or a loopback, private or link-local address. Off: such a URL is a
     * tenant's way into the node and the operator's network, refused with a 400 (the node refuses what resolves there
     * too, unless its own operator allows the range). Single-machine installs, whose git servers are on loopback, turn it
     * on.
     */
    @WithDefault("false")
    boolean allowPrivateRepositories();

    /**
     * Whether a job may ask for egress {@code all}, reaching private address ranges (the networks around its nodes)
     * besides the internet. Off: refused with a 400 naming {@code egress}; each node must allow it as well.
     */
    @WithDefault("false")
    boolean allowUnrestrictedEgress();
}
