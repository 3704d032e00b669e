-- A stopped or expired job is closed on chain once the epochs it served are settled: the stop is recorded here by the
-- consumer of JobStopRequested, and ChainJobCloser sends the close later, off the consumer's thread.
ALTER TABLE job_funding ADD COLUMN close_requested_at timestamptz;
ALTER TABLE job_funding ADD COLUMN close_not_before timestamptz;
ALTER TABLE job_funding ADD COLUMN close_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE job_funding ADD COLUMN close_error varchar(500);
CREATE INDEX job_funding_close_due ON job_funding (close_not_before)
    WHERE close_requested_at IS NOT NULL AND state <> 'CLOSED';
