-- The uptime oracle: heartbeats in which a node reported a job placed on it as serving, per (job, epoch, node) ...
CREATE TABLE node_epoch_uptime (
    job_id    varchar(40)  NOT NULL,
    epoch     bigint       NOT NULL,
    node_id   varchar(100) NOT NULL,
    beats     integer      NOT NULL,
    first_at  timestamptz  NOT NULL,
    last_at   timestamptz  NOT NULL,
    PRIMARY KEY (job_id, epoch, node_id)
);
CREATE INDEX node_epoch_uptime_epoch ON node_epoch_uptime (epoch);

-- ... and the (job, epoch) pairs already announced as SettlementDue, so each is announced once.
CREATE TABLE attested_epoch (
    job_id       varchar(40)  NOT NULL,
    epoch        bigint       NOT NULL,
    attested_at  timestamptz  NOT NULL,
    PRIMARY KEY (job_id, epoch)
);
