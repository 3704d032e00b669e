package io.deeploy.project.client;

import io.deeploy.outbox.testing.ApiContract;
import org.junit.jupiter.api.Test;

/**
 * What project-svc calls on escrow-svc ({@link EscrowClient}) and scheduler-svc ({@link SchedulerClient}) is in their
 * recorded APIs (docs/openapi), with the fields project-svc and the console read from the answers.
 */
class ServiceApisContractTest {

    @Test
    void escrowSvcAnswersWhatTheApiAndTheConsoleRead() {
        ApiContract.requireOperation("escrow-svc", "GET", "/api/jobs/{jobId}/payment", 200, "jobType", "amount",
                "amountFormatted", "requestId", "transactions[].to", "transactions[].data", "transactions[].description");
        ApiContract.requireOperation("escrow-svc", "GET", "/api/jobs/{jobId}/extension", 200, "amount",
                "transactions[].to", "transactions[].data");
        ApiContract.requireOperation("escrow-svc", "GET", "/api/jobs/{jobId}/node-purchase", 200, "amount", "fromEpoch",
                "transactions[].to", "transactions[].data");
        ApiContract.requireOperation("escrow-svc", "GET", "/api/estimate", 200, "jobType", "nodes", "epochs", "amount",
                "amountFormatted");
        ApiContract.requireOperation("escrow-svc", "GET", "/api/chain", 200, "chainId", "escrowAddress", "tokenAddress",
                "epochLengthSeconds", "confirmations");
    }

    @Test
    void schedulerSvcListsTheNodesWithWhatTheConsoleShows() {
        ApiContract.requireOperation("scheduler-svc", "GET", "/api/nodes", 200, "[].id", "[].state", "[].status",
                "[].capacity", "[].free", "[].tags");
    }
}
