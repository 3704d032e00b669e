-- Observed uptime of each node, 0..1, an exponential average of its heartbeats arriving on time; placement prefers
-- nodes that have been reliable.
ALTER TABLE node ADD COLUMN uptime_score double precision NOT NULL DEFAULT 1.0;
