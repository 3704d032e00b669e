CREATE TABLE project (
    id          varchar(40)  PRIMARY KEY,
    owner       varchar(100) NOT NULL,
    name        varchar(100) NOT NULL,
    created_at  timestamptz  NOT NULL,
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX project_owner_name ON project (owner, name) WHERE deleted_at IS NULL;

CREATE TABLE job (
    id             varchar(40)  PRIMARY KEY,
    project_id     varchar(40)  NOT NULL REFERENCES project (id),
    alias          varchar(63)  NOT NULL,
    kind           varchar(10)  NOT NULL,
    spec           text         NOT NULL,
    state          varchar(20)  NOT NULL,
    node_ids       text         NOT NULL DEFAULT '',
    running_commit varchar(64),
    url            varchar(500),
    last_error     text,
    created_at     timestamptz  NOT NULL,
    updated_at     timestamptz  NOT NULL,
    version        bigint       NOT NULL DEFAULT 0
);
CREATE INDEX job_project ON job (project_id);
-- An alias names the app's URL, so two live jobs may not share one.
CREATE UNIQUE INDEX job_live_alias ON job (alias) WHERE state NOT IN ('STOPPED', 'FAILED');

CREATE TABLE job_transition (
    id          bigserial    PRIMARY KEY,
    job_id      varchar(40)  NOT NULL REFERENCES job (id),
    from_state  varchar(20),
    to_state    varchar(20)  NOT NULL,
    reason      text         NOT NULL,
    event_id    uuid,
    at          timestamptz  NOT NULL
);
CREATE INDEX job_transition_job ON job_transition (job_id, id);

-- Replies to commands already executed, so a retried command (same Idempotency-Key) gets the same answer.
CREATE TABLE idempotent_command (
    scope         varchar(100) NOT NULL,
    command_key   varchar(200) NOT NULL,
    request_hash  varchar(64)  NOT NULL,
    resource_id   varchar(40)  NOT NULL,
    created_at    timestamptz  NOT NULL,
    PRIMARY KEY (scope, command_key)
);
