-- Unpaid mode: epochs added to a job's duration by its owner (POST /api/jobs/{id}/extend), counted from its first start
-- like durationEpochs. In escrow mode the chain job's extension moves paid_until instead (PaidPeriodChanged).
ALTER TABLE job ADD COLUMN epochs_extended integer NOT NULL DEFAULT 0;
