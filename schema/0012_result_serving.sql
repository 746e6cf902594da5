-- 0012_result_serving.sql: the headline figures of a "phase": "serve" point
-- (engine/serve.h): TTFT and TPOT p99, goodput under the SLOs, output tokens
-- per second per chip and SLO attainment. NULL for points of other phases
-- and for older rows.
ALTER TABLE sweep_results
    ADD COLUMN ttft_p99_s double precision,
    ADD COLUMN tpot_p99_s double precision,
    ADD COLUMN goodput_requests_per_s double precision,
    ADD COLUMN serve_output_tokens_per_s_per_chip double precision,
    ADD COLUMN slo_attainment double precision;
