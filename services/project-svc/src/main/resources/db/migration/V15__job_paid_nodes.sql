-- Escrow mode: how many nodes the job's chain job pays for (from its accepted funds, then from the chain's changes),
-- and the nodes an owner asked for while the added ones are being paid for (JSON list; empty: a count).
ALTER TABLE job ADD COLUMN paid_nodes integer;
ALTER TABLE job ADD COLUMN pending_nodes text;
-- What the chain job gave back to the owner for nodes removed: no longer part of what remains.
ALTER TABLE job ADD COLUMN funds_refunded numeric(78, 0) NOT NULL DEFAULT 0;
