-- A FAILED job is not over: its node restarts it under its restart policy, or a new commit builds it. Its alias (the
-- app's URL) stays its own until the job is STOPPED, so another tenant cannot take the URL during a crash backoff.
DROP INDEX job_live_alias;
CREATE UNIQUE INDEX job_live_alias ON job (alias) WHERE state <> 'STOPPED';
