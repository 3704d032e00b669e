-- The oracle's own evidence that an allocation serves, beside the node's heartbeats: the port its app serves on (from
-- the node's AppStarted; the address is the node's registered one), probed by the platform on the job's health check,
-- and per (job, epoch, node) how many probes were made and how many passed.
ALTER TABLE allocation ADD COLUMN serving_port integer;

CREATE TABLE node_epoch_probe (
    job_id   varchar(40)  NOT NULL,
    epoch    bigint       NOT NULL,
    node_id  varchar(100) NOT NULL,
    probes   integer      NOT NULL,
    passed   integer      NOT NULL,
    PRIMARY KEY (job_id, epoch, node_id)
);
