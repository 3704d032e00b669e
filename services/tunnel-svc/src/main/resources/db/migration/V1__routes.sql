-- Where each app's traffic goes: one route per (job, node) serving it.
CREATE TABLE route (
    job_id      varchar(40)  NOT NULL,
    node_id     varchar(100) NOT NULL,
    alias       varchar(63)  NOT NULL,
    target_host varchar(200) NOT NULL,
    target_port integer      NOT NULL,
    commit_id   varchar(64),
    updated_at  timestamptz  NOT NULL,
    PRIMARY KEY (job_id, node_id)
);
CREATE INDEX route_alias ON route (alias);
