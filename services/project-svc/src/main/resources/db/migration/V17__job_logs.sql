-- Each job's build and app output, as the agents of its nodes send it through the gateway: numbered per container
-- ("stream") by the agent, so a batch sent twice is kept once; the newest lines per job and source are kept
-- (deeploy.logs.lines-kept) and the rest trimmed as new ones arrive.
CREATE TABLE job_log_line (
    seq      bigserial     PRIMARY KEY,
    job_id   varchar(40)   NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    source   varchar(8)    NOT NULL,
    node_id  varchar(200)  NOT NULL,
    stream   varchar(128)  NOT NULL,
    line_no  bigint        NOT NULL,
    at       timestamptz   NOT NULL,
    text     text          NOT NULL,
    UNIQUE (job_id, node_id, stream, source, line_no)
);
CREATE INDEX job_log_line_by_job ON job_log_line (job_id, source, seq);
