package io.deeploy.escrow.service;

import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;

/**
 * Links a backend job to the chain job whose funds project-svc accepted for it (FundingAccepted), in the ledger: from
 * then on the job is activated, settled and closed on that chain job. Blocking: call from a worker thread.
 */
@ApplicationScoped
public class FundingLinks {

    private final ContractRegistry registry;
    private final Ledger ledger;

    public FundingLinks(ContractRegistry registry, Ledger ledger) {
        this.registry = registry;
        this.ledger = ledger;
    }

    /** Returns whether this call made the link (false when it was made before, or the chain job does not name the job). */
    public boolean accepted(String jobId, BigInteger chainJobId) {
        long deployment = registry.require().deploymentId();
        return Db.tx(() -> ledger.accept(deployment, jobId, chainJobId.longValueExact()));
    }
}
