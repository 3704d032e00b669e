-- Every version of a job's spec (revision 0 at creation; an edit, restart, redeploy, rollback or resume adds one), and
-- each commit (WAR) or image (CAR) that served, by the revision it first served in: what a rollback may go back to.
CREATE TABLE job_revision (
    job_id          varchar(40) NOT NULL REFERENCES job (id),
    revision        bigint      NOT NULL,
    spec            text        NOT NULL,
    reason          text        NOT NULL,
    created_at      timestamptz NOT NULL,
    first_served_at timestamptz,
    PRIMARY KEY (job_id, revision)
);
CREATE TABLE job_build (
    job_id          varchar(40)  NOT NULL REFERENCES job (id),
    version         varchar(300) NOT NULL,
    revision        bigint       NOT NULL,
    first_served_at timestamptz  NOT NULL,
    PRIMARY KEY (job_id, version)
);
ALTER TABLE job ADD COLUMN running_revision bigint;
INSERT INTO job_revision (job_id, revision, spec, reason, created_at) SELECT id, 0, spec, 'created', created_at FROM job;
