-- 0011_result_quality.sql: the quality loss of a point's numerics beside its
-- time and energy, so a Pareto front can trade any two of them
-- (server/codec_numerics.h, codec_quality_loss): the noise-to-signal power
-- at the matmul outputs, and the same as an SQNR in dB. NULL for older rows
-- and for lossless numerics (SQNR infinite).
ALTER TABLE sweep_results
    ADD COLUMN quality_loss double precision,
    ADD COLUMN quality_sqnr_db double precision;
