-- Anyone can create a chain job that names a backend job: each such chain job is an offer, recorded with the job it
-- names. It is linked to the job (job_id) only when project-svc accepts it (FundingAccepted): the job's owner or a
-- delegate paid, for a job type that covers the job.
ALTER TABLE job_funding ADD COLUMN requested_job_id varchar(40);
UPDATE job_funding SET requested_job_id = job_id WHERE job_id IS NOT NULL;
CREATE INDEX job_funding_requested ON job_funding (deployment_id, requested_job_id) WHERE requested_job_id IS NOT NULL;
