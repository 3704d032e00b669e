-- How many nodes the newest revision of the job's spec asks for (its revision, and since when this service knows it):
-- a chain job that pays for more has the rest removed (and refunded to its owner), unless its nodes were bought after
-- that revision was seen (the owner scaling up: the revision that uses them is on its way). 0: not known.
ALTER TABLE job_nodes ADD COLUMN wanted_nodes integer NOT NULL DEFAULT 0;
ALTER TABLE job_nodes ADD COLUMN wanted_revision bigint NOT NULL DEFAULT -1;
ALTER TABLE job_nodes ADD COLUMN wanted_since timestamptz;
ALTER TABLE job_funding ADD COLUMN nodes_changed_at timestamptz;
