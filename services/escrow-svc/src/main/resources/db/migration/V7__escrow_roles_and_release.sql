-- The escrow has two platform roles with separate keys (the activator, formerly the oracle, and the settler) and a
-- settle window in epochs; a deployment is reused only with the same roles and window. Earlier deployments have
-- neither, so a local chain gets a fresh escrow with the new rules.
ALTER TABLE contract_deployment RENAME COLUMN oracle_address TO activator_address;
ALTER TABLE contract_deployment ADD COLUMN settler_address varchar(42);
ALTER TABLE contract_deployment ADD COLUMN settle_window_epochs integer;

-- A closed chain job keeps the epochs it began for settlement until their window is over, then its rest is released
-- to the owner: CLOSED now means "no epoch after end_epoch", ENDED "holds nothing".
DROP INDEX job_funding_close_due;
CREATE INDEX job_funding_close_due ON job_funding (close_not_before)
    WHERE close_requested_at IS NOT NULL AND state NOT IN ('CLOSED', 'ENDED');
CREATE INDEX job_funding_release_due ON job_funding (end_epoch) WHERE state = 'CLOSED';
