-- What the scheduler keeps of its nodes between placement decisions (ClusterSnapshots) is valid while this version
-- stands. It moves on every change of what a decision reads of a node: its state, capacity or tags, and whether it is
-- in service; never on a heartbeat that changes none of them (the uptime score, which every heartbeat moves, only weighs
-- the ranking and is re-read at least every 30 s). Versions are taken from a sequence, so a change rolled back never
-- leaves a version that a later change could reach again.
CREATE SEQUENCE cluster_version_seq;
CREATE TABLE cluster_version (
    id      integer PRIMARY KEY CHECK (id = 1),
    version bigint  NOT NULL
);
INSERT INTO cluster_version VALUES (1, nextval('cluster_version_seq'));

CREATE FUNCTION bump_cluster_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cluster_version SET version = nextval('cluster_version_seq') WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER node_added_or_removed AFTER INSERT OR DELETE ON node
    FOR EACH STATEMENT EXECUTE FUNCTION bump_cluster_version();
CREATE TRIGGER node_changed AFTER UPDATE ON node FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.capacity_cpu IS DISTINCT FROM NEW.capacity_cpu
          OR OLD.capacity_memory IS DISTINCT FROM NEW.capacity_memory OR OLD.capacity_gpu IS DISTINCT FROM NEW.capacity_gpu
          OR OLD.tags IS DISTINCT FROM NEW.tags)
    EXECUTE FUNCTION bump_cluster_version();
CREATE TRIGGER node_identity_added_or_removed AFTER INSERT OR DELETE ON node_identity
    FOR EACH STATEMENT EXECUTE FUNCTION bump_cluster_version();
CREATE TRIGGER node_identity_changed AFTER UPDATE ON node_identity FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION bump_cluster_version();
