-- 0001_init.sql: Ridge's first schema: tokens, stored runs, sweeps split
-- into leased chunks, per-point results, design decisions.
-- Forward-only: later changes go into new numbered files.

CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('read', 'write')),
    token_sha256 text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);

-- One stored evaluation (POST /evaluate with "store": true).
CREATE TABLE runs (
    id          bigserial PRIMARY KEY,
    spec_sha256 text NOT NULL,
    spec        jsonb NOT NULL,
    result      jsonb NOT NULL,
    provenance  jsonb NOT NULL,
    author      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX runs_spec_sha256 ON runs (spec_sha256);

CREATE TABLE sweeps (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    base         jsonb NOT NULL,      -- the base spec as submitted
    axes         jsonb NOT NULL,      -- [{path, values} | {path, range}] as submitted
    tags         text[] NOT NULL DEFAULT '{}',
    notes        text NOT NULL DEFAULT '',
    author       text NOT NULL,
    status       text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    points_total bigint NOT NULL,
    points_done  bigint NOT NULL DEFAULT 0,
    chunk_size   integer NOT NULL,
    provenance   jsonb NOT NULL,
    error        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz
);
CREATE INDEX sweeps_created ON sweeps (created_at DESC, id DESC);
CREATE INDEX sweeps_tags ON sweeps USING gin (tags);
CREATE INDEX sweeps_active ON sweeps (id) WHERE status IN ('queued', 'running');

-- A sweep's points, split into chunks claimed with leases. Completion is
-- fenced on (sweep_id, chunk_index, attempt, owner).
CREATE TABLE sweep_chunks (
    sweep_id    bigint NOT NULL REFERENCES sweeps (id),
    chunk_index integer NOT NULL,
    first_point bigint NOT NULL,
    n_points    integer NOT NULL,
    state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done')),
    attempt     integer NOT NULL DEFAULT 0,
    owner       text,
    lease_until timestamptz,
    replica     text,            -- the replica whose results were stored
    done_at     timestamptz,
    PRIMARY KEY (sweep_id, chunk_index)
);
CREATE INDEX sweep_chunks_open ON sweep_chunks (sweep_id, chunk_index) WHERE state <> 'done';

-- One row per evaluated point. Params are not stored: they follow from
-- point_index and the sweep's axes (mixed radix, last axis fastest).
-- status is 0 or the engine's negative status code (then metrics are NULL).
CREATE TABLE sweep_results (
    sweep_id         bigint NOT NULL,
    point_index      bigint NOT NULL,
    status           integer NOT NULL,
    time_s           double precision,
    mfu              double precision,
    tokens_per_s     double precision,
    flops            double precision,
    hw_flops         double precision,
    bytes            double precision,
    memory_per_device double precision,
    memory_capacity  double precision,
    fits             boolean,
    chips            bigint,
    PRIMARY KEY (sweep_id, point_index)
);

-- Stored results are immutable.
CREATE FUNCTION ridge_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: stored results are immutable', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER sweep_results_immutable BEFORE UPDATE OR DELETE ON sweep_results
    FOR EACH ROW EXECUTE FUNCTION ridge_forbid_change();
CREATE TRIGGER runs_immutable BEFORE UPDATE OR DELETE ON runs
    FOR EACH ROW EXECUTE FUNCTION ridge_forbid_change();

CREATE TABLE decisions (
    id            bigserial PRIMARY KEY,
    title         text NOT NULL,
    question      text NOT NULL,
    decision      text NOT NULL,
    rationale     text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'accepted', 'superseded')),
    confidence    text NOT NULL DEFAULT 'medium' CHECK (confidence IN ('low', 'medium', 'high')),
    assumptions   jsonb NOT NULL DEFAULT '[]',
    evidence_sweeps bigint[] NOT NULL DEFAULT '{}',
    evidence_runs   bigint[] NOT NULL DEFAULT '{}',
    supersedes    bigint[] NOT NULL DEFAULT '{}',
    superseded_by bigint REFERENCES decisions (id),
    tags          text[] NOT NULL DEFAULT '{}',
    author        text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decisions_tags ON decisions USING gin (tags);
