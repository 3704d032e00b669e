-- Which agent recorded the assignment: agents that share a database (tests, or several nodes on one machine) each
-- reconcile only their own after a restart.
ALTER TABLE assignment ADD COLUMN node_id varchar(100) NOT NULL DEFAULT '';
CREATE INDEX assignment_node ON assignment (node_id, state);
