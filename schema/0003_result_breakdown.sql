-- 0003_result_breakdown.sql: why a point is as fast as it is: the step
-- time split into compute-bound, memory-bound, exposed communication and
-- pipeline bubble, plus decode latency per token. NULL for older rows.
ALTER TABLE sweep_results
    ADD COLUMN latency_per_token_s double precision,
    ADD COLUMN compute_s double precision,
    ADD COLUMN memory_s double precision,
    ADD COLUMN comm_exposed_s double precision,
    ADD COLUMN bubble_s double precision;
