-- 0006_sweep_fairness.sql: workers take chunks round-robin across the
-- active sweeps (the sweep whose last claim is oldest goes next) instead of
-- in sweep order, so one huge sweep no longer starves every later one.
ALTER TABLE sweeps ADD COLUMN last_claim_at timestamptz;
