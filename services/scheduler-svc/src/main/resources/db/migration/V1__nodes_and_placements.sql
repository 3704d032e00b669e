CREATE TABLE node (
    id                varchar(100) PRIMARY KEY,
    boot_id           varchar(100) NOT NULL,
    sequence          bigint       NOT NULL,
    address           varchar(200) NOT NULL,
    capacity_cpu      bigint       NOT NULL,
    capacity_memory   bigint       NOT NULL,
    capacity_gpu      integer      NOT NULL,
    free_cpu          bigint       NOT NULL,
    free_memory       bigint       NOT NULL,
    free_gpu          integer      NOT NULL,
    tags              text         NOT NULL,
    running_jobs      text         NOT NULL,
    agent_version     varchar(50),
    state             varchar(10)  NOT NULL,
    registered_at     timestamptz  NOT NULL,
    last_heartbeat_at timestamptz  NOT NULL
);

-- The scheduler's reservations: a job's requested resources are held on each of its nodes while it is PLACED.
CREATE TABLE placement (
    job_id      varchar(40)  PRIMARY KEY,
    state       varchar(10)  NOT NULL,
    node_ids    text         NOT NULL,
    spare_ids   text         NOT NULL,
    cpu         bigint       NOT NULL,
    memory      bigint       NOT NULL,
    gpu         integer      NOT NULL,
    node_count  integer      NOT NULL,
    attempt     bigint       NOT NULL,
    reason      text         NOT NULL,
    spec        text         NOT NULL,
    updated_at  timestamptz  NOT NULL
);
CREATE INDEX placement_state ON placement (state);
