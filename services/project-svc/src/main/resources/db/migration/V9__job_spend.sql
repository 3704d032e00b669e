-- What a paid job's funds became, in token base units: the chain job that funds it and its deposit, and per settled
-- epoch (SettlementCompleted) what went to node operators and what was withheld for the owner's refund.
ALTER TABLE job ADD COLUMN chain_job_id numeric(78, 0);
ALTER TABLE job ADD COLUMN funds_locked numeric(78, 0);
ALTER TABLE job ADD COLUMN funds_paid numeric(78, 0) NOT NULL DEFAULT 0;
ALTER TABLE job ADD COLUMN funds_withheld numeric(78, 0) NOT NULL DEFAULT 0;
ALTER TABLE job ADD COLUMN epochs_settled integer NOT NULL DEFAULT 0;
