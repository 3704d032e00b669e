-- Settlements the oracle asked for, one per job and epoch; the chain transaction is recorded here before it is sent.
CREATE TABLE settlement (
    job_id        varchar(40)  NOT NULL,
    epoch         bigint       NOT NULL,
    state         varchar(12)  NOT NULL,
    availability  text         NOT NULL,
    tx_hash       varchar(80),
    requested_at  timestamptz  NOT NULL,
    updated_at    timestamptz  NOT NULL,
    PRIMARY KEY (job_id, epoch)
);
