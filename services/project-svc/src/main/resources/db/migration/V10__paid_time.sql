-- When a job's paid time ends (escrow: the end of the epochs its chain job pays for, from PaidPeriodChanged; unpaid
-- mode: its duration counted from its first start), and when its owner was warned that the end is near. JobExpiry
-- stops the job at paid_until.
ALTER TABLE job ADD COLUMN paid_until timestamptz;
ALTER TABLE job ADD COLUMN expiry_warned_at timestamptz;
CREATE INDEX job_paid_until ON job (paid_until) WHERE paid_until IS NOT NULL AND state NOT IN ('STOPPING', 'STOPPED');
