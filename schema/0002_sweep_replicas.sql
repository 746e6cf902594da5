-- 0002_sweep_replicas.sql: per-replica progress kept on the sweep row
-- ({"replica": {"chunks": n, "points": n}}), advanced in the same
-- transaction that completes a chunk, so reading a sweep is one row.
ALTER TABLE sweeps ADD COLUMN replicas jsonb NOT NULL DEFAULT '{}';
UPDATE sweeps s SET replicas = x.r
FROM (SELECT sweep_id, jsonb_object_agg(replica, jsonb_build_object('chunks', n, 'points', p)) AS r
      FROM (SELECT sweep_id, replica, count(*) AS n, sum(n_points) AS p FROM sweep_chunks
            WHERE state = 'done' AND replica IS NOT NULL GROUP BY sweep_id, replica) c
      GROUP BY sweep_id) x
WHERE s.id = x.sweep_id;
