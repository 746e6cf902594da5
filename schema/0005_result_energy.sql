-- 0005_result_energy.sql: what a point costs in energy and power (issue 11:
-- engine/energy.h, engine/silicon.h): the step's energy over all chips, its
-- energy per token, and one chip's matrix-unit power at peak (the silicon's
-- synthesized lanes, or the preset's TDP-based estimate). NULL for older rows.
ALTER TABLE sweep_results
    ADD COLUMN energy_j double precision,
    ADD COLUMN energy_per_token_j double precision,
    ADD COLUMN matrix_power_w double precision;
