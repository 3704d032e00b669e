-- The jobs the scheduler gave this node, and whether they are still this node's to run.
CREATE TABLE assignment (
    job_id      varchar(40)  PRIMARY KEY,
    state       varchar(10)  NOT NULL,
    placement   bigint       NOT NULL,
    cpu         bigint       NOT NULL,
    memory      bigint       NOT NULL,
    gpu         integer      NOT NULL,
    spec        text         NOT NULL,
    reason      text         NOT NULL,
    updated_at  timestamptz  NOT NULL
);
