-- Escrow mode: the job type the job is paid by (named at creation, or the cheapest that covers its resources) and what
-- escrow-svc answered for paying it (amount and the transactions for the owner's wallet), shown on the job until funded.
ALTER TABLE job ADD COLUMN job_type integer;
ALTER TABLE job ADD COLUMN payment text;
