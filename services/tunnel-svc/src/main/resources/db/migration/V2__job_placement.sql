-- The newest placement of each job (from NodeSelected): once a node it names serves, routes to other nodes go, and a
-- late AppStarted from a node the job left cannot bring its route back.
CREATE TABLE job_placement (
    job_id     varchar(40) PRIMARY KEY,
    placement  bigint      NOT NULL,
    node_ids   text        NOT NULL
);
