-- 0010_calibrations.sql: stored calibration profiles (ridge calibrate). One
-- row per profile: the measurement rows it was fitted on (JSON lines, kept
-- verbatim as their provenance), the fitted profile (groups of assumption
-- values with 95 % intervals, MAPE before/after and cross-validated), who
-- stored it and when. A spec names a profile with "calibration": NAME.
-- Profiles are immutable: a new fit is a new name.
CREATE TABLE calibrations (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    description  text NOT NULL DEFAULT '',
    measurements text NOT NULL,
    rows         integer NOT NULL,
    profile      jsonb NOT NULL,
    author       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
