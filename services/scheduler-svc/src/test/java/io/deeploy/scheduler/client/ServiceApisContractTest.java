package io.deeploy.scheduler.client;

import io.deeploy.outbox.testing.ApiContract;
import org.junit.jupiter.api.Test;

/**
 * What scheduler-svc calls on escrow-svc (the oracle's epoch clock, {@link EscrowClient}) and on project-svc's public
 * API ({@link ProjectClient}: the log-grant key, an operator's node registration) is in their recorded APIs
 * (docs/openapi), with the fields it reads. (Its internal calls, a job's secrets and logs, are hidden from the public
 * document; they are covered by GatewayIT against a running project-svc stand-in and by the end-to-end tests.)
 */
class ServiceApisContractTest {

    @Test
    void escrowSvcGivesTheEpochClock() {
        ApiContract.requireOperation("escrow-svc", "GET", "/api/chain", 200, "genesis", "epochLengthSeconds");
    }

    @Test
    void projectSvcPublishesTheLogGrantKeyAndTakesNodeRegistrations() {
        ApiContract.requireOperation("project-svc", "GET", "/api/auth", 200, "logGrantKey");
        ApiContract.requireOperation("project-svc", "POST", "/api/nodes", 200);
    }
}
