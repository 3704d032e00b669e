-- One way to write to the chain: every transaction escrow-svc sends (settle, activate, node set, close) is signed and
-- recorded here before it is broadcast, and resolved from its receipt (settlement_batch was the settle-only form).
ALTER TABLE settlement_batch RENAME TO chain_transaction;
ALTER INDEX settlement_batch_open RENAME TO chain_transaction_open;
ALTER TABLE chain_transaction ADD COLUMN kind varchar(16) NOT NULL DEFAULT 'SETTLE';
ALTER TABLE chain_transaction ALTER COLUMN kind DROP DEFAULT;
ALTER TABLE chain_transaction ADD COLUMN job_id varchar(40);
ALTER TABLE chain_transaction ADD COLUMN chain_job_id bigint;
ALTER TABLE chain_transaction ADD COLUMN error varchar(500);
CREATE INDEX chain_transaction_job ON chain_transaction (job_id) WHERE job_id IS NOT NULL;

-- What the platform knows of a job's nodes, from job-events, for the chain job it is linked to (or will be): the
-- newest placement, the first start (which starts its paid epochs), and the placement whose node set the chain was
-- last sent. Kept apart from job_funding because a placement can arrive before the funding is linked.
CREATE TABLE job_nodes (
    job_id             varchar(40)  PRIMARY KEY,
    placement          bigint       NOT NULL DEFAULT 0,
    node_ids           text         NOT NULL DEFAULT '',
    first_served_at    timestamptz,
    first_served_node  varchar(64),
    applied_placement  bigint,
    updated_at         timestamptz  NOT NULL
);
