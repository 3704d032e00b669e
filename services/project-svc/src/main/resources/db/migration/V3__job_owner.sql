-- Who asked for the job, as JobRequested names them; needed when a funded job is requested later (billing mode escrow).
ALTER TABLE job ADD COLUMN owner varchar(100) NOT NULL DEFAULT '';
UPDATE job SET owner = p.owner FROM project p WHERE p.id = job.project_id;
