-- Escrow mode: what a node of the job type paid for gives, from the accepted funds: an edit of the job's resources
-- stays within it.
ALTER TABLE job ADD COLUMN paid_cpu_millis bigint;
ALTER TABLE job ADD COLUMN paid_memory_mb integer;
