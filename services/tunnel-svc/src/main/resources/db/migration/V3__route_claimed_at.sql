-- An alias is served by one job only: the one whose route claimed it first. Another job can report the same alias only
-- in the moments between one job's stop and the next one's start (project-svc keeps aliases unique among jobs not
-- STOPPED), and events of different jobs may arrive in any order; the second job's route waits until the first's goes.
ALTER TABLE route ADD COLUMN claimed_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX route_alias_claim ON route (alias, claimed_at, job_id);
