-- The contracts this service uses, per chain; the watcher's checkpoint lives with them.
CREATE TABLE contract_deployment (
    id                  bigserial    PRIMARY KEY,
    chain_id            bigint       NOT NULL,
    token_address       varchar(42)  NOT NULL,
    escrow_address      varchar(42)  NOT NULL,
    oracle_address      varchar(42)  NOT NULL,
    epoch_length        bigint       NOT NULL,
    threshold_bps       integer      NOT NULL,
    deployed_here       boolean      NOT NULL,
    deploy_block        bigint       NOT NULL,
    -- The first block the watcher has not read yet; advanced in the transaction that applies the logs before it.
    next_block          bigint       NOT NULL,
    created_at          timestamptz  NOT NULL,
    updated_at          timestamptz  NOT NULL,
    UNIQUE (chain_id, escrow_address)
);

-- Every escrow log applied, so a re-read range (restart, rewind) applies nothing twice.
CREATE TABLE chain_log (
    deployment_id  bigint       NOT NULL REFERENCES contract_deployment (id),
    tx_hash        varchar(66)  NOT NULL,
    log_index      integer      NOT NULL,
    block_number   bigint       NOT NULL,
    event          varchar(32)  NOT NULL,
    PRIMARY KEY (deployment_id, tx_hash, log_index)
);

-- The ledger: one row per chain job, as the confirmed logs tell it. Amounts in token base units.
CREATE TABLE job_funding (
    deployment_id    bigint         NOT NULL REFERENCES contract_deployment (id),
    chain_job_id     bigint         NOT NULL,
    job_id           varchar(40),
    owner_address    varchar(42)    NOT NULL,
    job_type         integer        NOT NULL,
    nodes            integer        NOT NULL,
    epochs           bigint         NOT NULL,
    price_per_epoch  numeric(78, 0) NOT NULL,
    deposited        numeric(78, 0) NOT NULL,
    paid             numeric(78, 0) NOT NULL,
    refunded         numeric(78, 0) NOT NULL,
    state            varchar(12)    NOT NULL,
    start_epoch      bigint,
    end_epoch        bigint,
    created_tx       varchar(66)    NOT NULL,
    created_at       timestamptz    NOT NULL,
    updated_at       timestamptz    NOT NULL,
    PRIMARY KEY (deployment_id, chain_job_id)
);
-- A backend job is funded by at most one chain job per escrow (the first one seen wins).
CREATE UNIQUE INDEX job_funding_job ON job_funding (deployment_id, job_id) WHERE job_id IS NOT NULL;

-- One settle transaction: signed and recorded here before it is broadcast.
CREATE TABLE settlement_batch (
    id             bigserial    PRIMARY KEY,
    deployment_id  bigint       NOT NULL REFERENCES contract_deployment (id),
    nonce          bigint       NOT NULL,
    tx_hash        varchar(66)  NOT NULL UNIQUE,
    raw_tx         text         NOT NULL,
    state          varchar(12)  NOT NULL,
    block_number   bigint,
    created_at     timestamptz  NOT NULL,
    broadcast_at   timestamptz,
    updated_at     timestamptz  NOT NULL
);
CREATE INDEX settlement_batch_open ON settlement_batch (state) WHERE state = 'SENDING';

ALTER TABLE settlement ADD COLUMN batch_id bigint REFERENCES settlement_batch (id);
ALTER TABLE settlement ADD COLUMN chain_job_id bigint;
ALTER TABLE settlement ADD COLUMN paid numeric(78, 0);
ALTER TABLE settlement ADD COLUMN withheld numeric(78, 0);
ALTER TABLE settlement ADD COLUMN attempts integer NOT NULL DEFAULT 0;
CREATE INDEX settlement_pending ON settlement (state, requested_at) WHERE state = 'PENDING';
