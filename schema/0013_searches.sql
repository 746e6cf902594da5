-- 0013_searches.sql: layout searches as jobs (POST /api/v1/searches). A
-- search's configurations (engine/search.h numbers them in a fixed order)
-- are split into chunks of consecutive numbers; the sweep workers claim
-- them with the same leases and fenced completions as sweep chunks
-- (SELECT ... FOR UPDATE SKIP LOCKED; the completion is an UPDATE on
-- (search, chunk, attempt, owner) in the transaction that stores the
-- chunk's best layouts). The ranking is the best of the stored layouts
-- under the engine's total order (time_s, config_index): the top N of the
-- union of every chunk's top N, the same answer as one `ridge search`.
CREATE TABLE searches (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL,
    spec          jsonb NOT NULL,          -- the spec as the workers parse it (calibration applied)
    options       jsonb NOT NULL,          -- {top, max_interleave, uneven_stages, max_configs}
    author        text NOT NULL,
    status        text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    configs_total bigint NOT NULL,
    configs_done  bigint NOT NULL DEFAULT 0,
    evaluated     bigint NOT NULL DEFAULT 0,
    feasible      bigint NOT NULL DEFAULT 0,
    no_fit        bigint NOT NULL DEFAULT 0,
    rejected      bigint NOT NULL DEFAULT 0,
    chunk_size    integer NOT NULL,
    provenance    jsonb NOT NULL,
    replicas      jsonb NOT NULL DEFAULT '{}',  -- {"replica": {"chunks": n, "configs": n}}
    error         text,
    last_claim_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz
);
CREATE INDEX searches_active ON searches (id) WHERE status IN ('queued', 'running');

CREATE TABLE search_chunks (
    search_id    bigint NOT NULL REFERENCES searches (id),
    chunk_index  integer NOT NULL,
    first_config bigint NOT NULL,
    n_configs    bigint NOT NULL,
    state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done')),
    attempt      integer NOT NULL DEFAULT 0,
    owner        text,
    lease_until  timestamptz,
    replica      text,
    done_at      timestamptz,
    PRIMARY KEY (search_id, chunk_index)
);
CREATE INDEX search_chunks_open ON search_chunks (search_id, chunk_index) WHERE state <> 'done';

-- Each chunk's best layouts: entry is the JSON object `ridge search` prints
-- for the layout, without its rank (the rank follows from the order).
CREATE TABLE search_best (
    search_id    bigint NOT NULL REFERENCES searches (id),
    config_index bigint NOT NULL,
    time_s       double precision NOT NULL,
    entry        text NOT NULL,
    PRIMARY KEY (search_id, config_index)
);
CREATE INDEX search_best_rank ON search_best (search_id, time_s, config_index);
