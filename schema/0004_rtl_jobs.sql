-- 0004_rtl_jobs.sql: the silicon record. One row per RTL job (generate a
-- numerics unit, co-simulate it against the C model, synthesize it), queued
-- by POST /api/v1/rtl and run by whichever replica's RTL worker claims it:
-- the claim sets attempts, owner and lease_expires (SELECT ... FOR UPDATE
-- SKIP LOCKED), the worker renews the lease while the flow runs, and the
-- completion is an UPDATE fenced on (id, attempts, owner), so a job is
-- recorded once even when a replica stalls or dies mid-run.
CREATE TABLE rtl_jobs (
    id             bigserial PRIMARY KEY,
    request        jsonb NOT NULL,          -- the canonical request, every default filled in
    request_sha256 text NOT NULL,           -- SHA-256 of the canonical request text
    status         text NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts       integer NOT NULL DEFAULT 0,
    owner          text,                    -- worker holding (or last holding) the lease
    lease_expires  timestamptz,
    error          text,                    -- failed: "<option or tool>: <message>"
    result         jsonb,                   -- done: rtl_run's JSON (top, files, ports, cosim, synthesis ...)
    verilog        text,                    -- done: the generated files, each after a header line
    verilog_sha256 text,                    -- SHA-256 of `verilog`
    author         text NOT NULL,
    submitted_to   text NOT NULL,           -- replica that accepted the POST
    replica        text,                    -- replica whose worker recorded the outcome
    created_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    finished_at    timestamptz,
    CHECK (status <> 'done' OR (result IS NOT NULL AND verilog IS NOT NULL AND verilog_sha256 IS NOT NULL)),
    CHECK (status <> 'failed' OR error IS NOT NULL)
);
CREATE INDEX rtl_jobs_open ON rtl_jobs (id) WHERE status IN ('queued', 'running');

-- A finished job is a stored result: immutable, like runs and sweep results.
CREATE FUNCTION ridge_rtl_job_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN ('done', 'failed') THEN
        RAISE EXCEPTION '% on a finished RTL job (%) is not allowed: stored results are immutable', TG_OP, OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER rtl_jobs_immutable BEFORE UPDATE OR DELETE ON rtl_jobs
    FOR EACH ROW EXECUTE FUNCTION ridge_rtl_job_final();

-- A decision may cite RTL jobs as evidence, beside sweeps and runs.
ALTER TABLE decisions ADD COLUMN evidence_rtl bigint[] NOT NULL DEFAULT '{}';
