package io.deeploy.project.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Whether a job must be paid for on chain before it is scheduled. */
@ConfigMapping(prefix = "deeploy.billing")
public interface BillingConfig {

    enum Mode {
        /** Development: jobs are scheduled at once, nothing is charged. */
        UNPAID,
        /** A job waits in AWAITING_FUNDS until escrow-svc reports its funds locked on chain (FundsLocked). */
        ESCROW
    }

    @WithDefault("unpaid")
    Mode mode();
}
