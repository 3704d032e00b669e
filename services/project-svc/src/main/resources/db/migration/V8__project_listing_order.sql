-- An owner's projects are listed a page at a time in creation order.
CREATE INDEX project_owner_created ON project (owner, created_at, id) WHERE deleted_at IS NULL;
