-- A project's jobs are listed a page at a time in creation order: the index gives each page without sorting them all.
CREATE INDEX job_project_created ON job (project_id, created_at, id);
DROP INDEX job_project;
