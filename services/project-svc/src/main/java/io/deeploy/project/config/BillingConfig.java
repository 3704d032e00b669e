package io.deeploy.project.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Whether a job must be paid for on chain before it is scheduled, and how its paid time ends. */
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

    /**
     * The length of an epoch in unpaid mode, where a job's {@code durationEpochs} count from its first start (in escrow
     * mode the chain's epochs apply). Set it to the escrow contract's epoch length so both modes last alike.
     */
    @WithDefault("1h")
    Duration unpaidEpochLength();

    /** How long before its paid time ends a job is flagged {@code expiringSoon} and JobExpiring is announced. */
    @WithDefault("1h")
    Duration expiryWarning();

    /** How often jobs are checked for a paid time ending or about to. */
    @WithDefault("5s")
    Duration expiryCheckInterval();

    /**
     * escrow-svc (env {@code DEEPLOY_BILLING_ESCROW_URL}): in escrow mode it checks the job type of a new job and gives
     * the transactions that pay for it and that extend it on chain. Without it, a new job shows no payment (its funds'
     * job type is still checked when they arrive) and extending a paid job answers 503 ESCROW_UNAVAILABLE.
     */
    java.util.Optional<String> escrowUrl();
}
