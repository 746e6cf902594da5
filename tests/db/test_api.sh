#!/usr/bin/env bash
# test_api.sh: round trips through every endpoint of ridged against a real
# PostgreSQL: evaluate (and store), runs, sweeps (create, get, list, filter,
# results in JSON and CSV, order/filter/pages, pareto, cancel), decisions
# (create, supersede, search), presets, OpenAPI, metrics, static files.
source "$(dirname "$0")/lib.sh"
DB=$(new_db api)
PORT=$(free_port)
U="http://127.0.0.1:$PORT"
start_ridged "$PORT" --listen "127.0.0.1:$PORT"

req GET "$U/api/v1/health"; expect 200 "health"
[ "$(jget 'd["database"]')" = ok ] && ok "health reports the database" || fail "health: $BODY"
req GET "$U/api/v1/openapi.json"; expect 200 "openapi"
[ "$(jget 'd["openapi"][:3]')" = "3.1" ] && ok "OpenAPI 3.1" || fail "openapi version"
python3 - "$TMP/body" "$SRC/server/ridged/http_routes.c" <<'PY' && ok "OpenAPI documents every route" || fail "OpenAPI routes"
import json, re, sys
doc = json.load(open(sys.argv[1]))
routes = re.findall(r'\{"(GET|POST)", "/api/v1([^"]+)"', open(sys.argv[2]).read())
missing = [(m, p) for m, p in routes if p != "/metrics" and m.lower() not in doc["paths"].get(p, {})]
assert len(routes) > 10 and not missing, (len(routes), missing)
# and the other way: every documented operation is a route
extra = [(m, p) for p, ops in doc["paths"].items() for m in ops if (m.upper(), p) not in routes]
assert not extra, extra
PY
python3 - "$TMP/body" "$SRC/server/ridged/http_routes.c" <<'PY' && ok "every operation's operationId is its route's name; operations with input document 4XX problems" || fail "OpenAPI operations"
import json, re, sys
doc = json.load(open(sys.argv[1]))
routes = re.findall(r'\{"(GET|POST)", "/api/v1([^"]+)", \w+, "(\w+)"', open(sys.argv[2]).read())
camel = lambda n: n.split("_")[0] + "".join(x.title() for x in n.split("_")[1:])
bad = [(m, p, doc["paths"][p][m.lower()].get("operationId")) for m, p, n in routes
       if doc["paths"][p][m.lower()].get("operationId") != camel(n)]
ids = [o.get("operationId") for ops in doc["paths"].values() for o in ops.values()]
no4xx = [(m, p) for p, ops in doc["paths"].items() for m, o in ops.items()
         if (o.get("parameters") or o.get("requestBody")) and not any(k.startswith("4") for k in o.get("responses", {}))]
assert not bad and len(ids) == len(set(ids)) and not no4xx, (bad, no4xx)
PY
cp "$TMP/body" "$TMP/openapi.json"
req GET "$U/api/v1/spec-fields"; expect 200 "spec fields"
python3 - "$TMP/openapi.json" "$TMP/body" <<'PY' && ok "the served Spec schema has every field of the codec's table, typed" || fail "Spec schema"
import json, sys
doc, fields = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))["fields"]
spec = doc["components"]["schemas"]["Spec"]
assert "x-properties-from" not in spec and len(fields) > 100
types = {"integer": "integer", "number": "number", "boolean": "boolean"}
for f in fields:
    node, props = None, spec["properties"]
    for k in f["path"].split("."):
        assert props is not None and k in props, f["path"]
        node = props[k]
        props = node.get("properties")
    num = node["anyOf"][0] if "anyOf" in node else node
    if f["type"] in types:
        assert num["type"] == types[f["type"]], f
    if f["type"] in ("integer", "number") and f["min"] < f["max"]:
        assert (num["minimum"], num["maximum"]) == (f["min"], f["max"]), f
    if f["type"] == "enum":
        assert node["enum"] == f["values"], f
PY
req GET "$U/api/v1/presets"; expect 200 "presets"
jget '[p["name"] for p in d["hardware"]]' | grep -q h100-sxm && ok "presets list h100-sxm" || fail "presets: ${BODY:0:200}"

# evaluate, not stored
req POST "$U/api/v1/evaluate" -H 'Content-Type: application/json' -d "$SPEC"; expect 200 "evaluate"
[ "$(jget '"id" in d')" = False ] && ok "unstored evaluation has no id" || fail "unexpected id"
[ "$(jget 'd["result"]["time_s"] > 0 and d["provenance"]["spec_sha256"] != ""')" = True ] && ok "result + provenance" ||
  fail "evaluate body"
[ "$(sql 'SELECT count(*) FROM runs')" = 0 ] && ok "nothing stored" || fail "run stored without store"
# stored
req POST "$U/api/v1/evaluate" -d "${SPEC%\}},\"store\":true}"; expect 201 "evaluate + store"
RUN=$(jget 'd["id"]')
SHA=$(jget 'd["provenance"]["spec_sha256"]')
req GET "$U/api/v1/runs/$RUN"; expect 200 "get run"
[ "$(jget 'd["provenance"]["spec_sha256"]')" = "$SHA" ] && ok "run provenance kept" || fail "run provenance"
[ "$(jget 'sorted(k for k in d["provenance"] if k in ("engine_version","git_commit","assumptions","author","created_at","spec"))')" = \
  "['assumptions', 'author', 'created_at', 'engine_version', 'git_commit', 'spec']" ] && ok "provenance fields" ||
  fail "provenance fields: ${BODY:0:300}"
[ "$(jget 'd["provenance"]["author"]')" = anonymous ] && ok "anonymous author on loopback" || fail "author"
if psql "$DB" -qAt -c "UPDATE runs SET author = 'x'" >/dev/null 2>&1; then fail "runs are mutable"; else ok "runs are immutable"; fi
req GET "$U/api/v1/runs/999999"; expect 404 "missing run"
# the list of runs: filters, summaries and pages
for b in 16 32 64; do
  req POST "$U/api/v1/evaluate" -d "$(printf '%s' "${SPEC%\}},\"store\":true}" | python3 -c "import json,sys; s=json.load(sys.stdin); s['batch']=$b; print(json.dumps(s))")"
  expect 201 "store run with batch $b"
done
req POST "$U/api/v1/evaluate" -d '{"model":"llama3-8b","hardware":"b200","phase":"prefill","batch":2,"seq_len":512,"store":true}'
expect 201 "store a b200 prefill run"
req GET "$U/api/v1/runs?limit=2"; expect 200 "list runs"
python3 - "$TMP/body" <<'PY' && ok "runs newest first, two per page, with summaries" || fail "runs page: ${BODY:0:400}"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["runs"]
assert len(r) == 2 and int(r[0]["id"]) > int(r[1]["id"]) and d["next_page_token"] == r[1]["id"], d
assert r[0]["hardware"] == "b200" and r[0]["phase"] == "prefill" and r[0]["batch"] == 2 and r[0]["time_s"] > 0, r[0]
assert r[1]["batch"] == 64 and r[1]["href"] == f"/api/v1/runs/{r[1]['id']}" and isinstance(r[1]["fits"], bool), r[1]
PY
TOK=$(jget 'd["next_page_token"]')
N=$(sql 'SELECT count(*) FROM runs')
seen=2
while [ "$TOK" != None ]; do
  req GET "$U/api/v1/runs?limit=2&page_token=$TOK"; expect 200 "next runs page"
  seen=$((seen + $(jget 'len(d["runs"])')))
  TOK=$(jget 'd["next_page_token"]')
done
[ "$seen" = "$N" ] && ok "pages cover all $N runs once" || fail "pages saw $seen of $N runs"
req GET "$U/api/v1/runs?hardware=b200"; expect 200 "runs by hardware"
[ "$(jget 'len(d["runs"])')" = 1 ] && ok "hardware filter" || fail "hardware filter: ${BODY:0:300}"
req GET "$U/api/v1/runs?phase=train&spec_sha256=$SHA"; expect 200 "runs by phase and spec"
[ "$(jget 'len(d["runs"]) == 1 and d["runs"][0]["id"] == "'"$RUN"'"')" = True ] && ok "spec_sha256 filter finds the run" || fail "sha filter: ${BODY:0:300}"
req GET "$U/api/v1/runs?q=B20&author=anonymous"; expect 200 "runs by text"
[ "$(jget 'len(d["runs"])')" = 1 ] && ok "text search in names" || fail "text filter: ${BODY:0:300}"
req GET "$U/api/v1/runs?phase=serve"; expect 400 "unknown phase"
jget 'd["field"]' | grep -qx phase && ok "bad phase names the field" || fail "bad phase: ${BODY:0:200}"
req GET "$U/api/v1/runs?page_token=x1"; expect 400 "bad page token"
req GET "$U/api/v1/runs?limit=0"; expect 400 "bad limit"

# sweeps
cat >"$TMP/sweep.json" <<JSON
{"name":"hbm what-if","base":$SPEC,"tags":["hbm","demo"],"notes":"1.5x HBM?",
 "axes":[{"path":"batch","values":[64,128,256]},
         {"path":"hardware.mem_bw","range":{"start":2e12,"stop":8e12,"steps":4,"scale":"log"}},
         {"path":"numerics.weights","values":["bf16","fp8_e4m3"]}]}
JSON
req POST "$U/api/v1/sweeps" -D "$TMP/hdr" -d @"$TMP/sweep.json"; expect 202 "create sweep"
SW=$(jget 'd["id"]')
grep -qi "^Location: /api/v1/sweeps/$SW" "$TMP/hdr" && ok "Location header" || fail "no Location"
[ "$(jget 'd["points_total"]')" = 24 ] && ok "24 points" || fail "points_total"
[ "$(wait_sweep "$U" "$SW" 60)" = succeeded ] && ok "sweep succeeded" || fail "sweep did not succeed"
req GET "$U/api/v1/sweeps/$SW"; expect 200 "get sweep"
[ "$(jget 'd["points_done"]')" = 24 ] && ok "points_done" || fail "points_done: $BODY"
[ "$(jget 'd["provenance"]["replicas"][0]["points"]')" = 24 ] && ok "replica recorded per chunk" || fail "replicas"
[ "$(jget 'd["provenance"]["finished_at"] is not None')" = True ] && ok "finished_at" || fail "finished_at"
[ "$(sql "SELECT count(*), count(DISTINCT point_index) FROM sweep_results WHERE sweep_id = $SW")" = "24|24" ] &&
  ok "24 rows stored once" || fail "rows"
req GET "$U/api/v1/sweeps/$SW/chunks"; expect 200 "chunks"
[ "$(jget '[(c["state"], c["replica"] is not None) for c in d["chunks"]]')" = "[('done', True)]" ] && ok "chunk replica" ||
  fail "chunks: $BODY"
req GET "$U/api/v1/sweeps/$SW/results?limit=10"; expect 200 "results page 1"
[ "$(jget 'len(d["results"])')" = 10 ] && ok "limit" || fail "limit"
[ "$(jget 'd["results"][1]["params"]')" = "{'batch': 64, 'hardware.mem_bw': 2000000000000, 'numerics.weights': 'fp8_e4m3'}" ] &&
  ok "params decoded from the point index" || fail "params: $(jget 'd["results"][1]["params"]')"
TOK=$(jget 'd["next_page_token"]')
req GET "$U/api/v1/sweeps/$SW/results?limit=10&page_token=$TOK"; expect 200 "results page 2"
[ "$(jget 'd["results"][0]["point_index"]')" = 10 ] && ok "keyset page" || fail "page 2 start"
req GET "$U/api/v1/sweeps/$SW/results?order_by=mfu:desc&limit=3"; expect 200 "order_by"
[ "$(jget 'd["results"][0]["mfu"] >= d["results"][1]["mfu"] >= d["results"][2]["mfu"]')" = True ] && ok "sorted by mfu" ||
  fail "order"
[ "$(jget 'all(r["compute_s"] > 0 and r["bubble_s"] is not None and r["comm_exposed_s"] is not None for r in d["results"])')" = True ] &&
  ok "time breakdown stored per point" || fail "breakdown: ${BODY:0:300}"
req GET "$U/api/v1/sweeps/$SW/results" --get --data-urlencode "filter=batch_size > 1"; expect 400 "filter on unknown field"
req GET "$U/api/v1/sweeps/$SW/results?limit=100" --get --data-urlencode "filter=mfu > 0.5 and fits = false"
expect 200 "filter"
[ "$(jget 'all(r["mfu"] > 0.5 and r["fits"] is False for r in d["results"])')" = True ] && ok "filter applied" || fail "filter"
# filters on swept parameters and "or": each the same set as computed here from all 24 rows
req GET "$U/api/v1/sweeps/$SW/results?limit=100"; expect 200 "all results"
cp "$TMP/body" "$TMP/all24.json"
pfilter() { # FILTER PYTHON_PREDICATE_ON_r
  req GET "$U/api/v1/sweeps/$SW/results?limit=100" --get --data-urlencode "filter=$1"
  python3 - "$TMP/body" "$TMP/all24.json" "$2" <<'PY' && ok "filter $1" || fail "filter $1: $(head -c 300 "$TMP/body")"
import json, sys
got = sorted(r["point_index"] for r in json.load(open(sys.argv[1]))["results"])
rows = json.load(open(sys.argv[2]))["results"]
want = sorted(r["point_index"] for r in rows if eval(sys.argv[3], {}, {"r": r, "p": r["params"]}))
assert got == want and 0 < len(want), (got, want)
PY
}
pfilter "batch = 128" 'p["batch"] == 128'
pfilter "params.hardware.mem_bw > 3e12 and batch != 64" 'p["hardware.mem_bw"] > 3e12 and p["batch"] != 64'
pfilter "numerics.weights = fp8_e4m3 and batch <= 128" 'p["numerics.weights"] == "fp8_e4m3" and p["batch"] <= 128'
pfilter "batch = 64 or batch = 256 and numerics.weights = bf16" 'p["batch"] == 64 or (p["batch"] == 256 and p["numerics.weights"] == "bf16")'
pfilter "mfu > 0.5 or batch = 64" 'r["mfu"] > 0.5 or p["batch"] == 64'
req GET "$U/api/v1/sweeps/$SW/results" --get --data-urlencode "filter=batch = 100"; expect 200 "a value no point has"
[ "$(jget 'len(d["results"])')" = 0 ] && ok "matches nothing" || fail "batch = 100: ${BODY:0:200}"
req GET "$U/api/v1/sweeps/$SW/results" --get --data-urlencode "filter=numerics.weights > bf16"; expect 400 "order on names"
req GET "$U/api/v1/sweeps/$SW/results" --get --data-urlencode "filter=batch = big"; expect 400 "a name for a number"
req GET "$U/api/v1/sweeps/$SW/pareto?x=time_s:min&y=mfu:max" --get --data-urlencode "filter=numerics.weights = bf16"
expect 200 "pareto with a parameter filter"
[ "$(jget 'all(r["params"]["numerics.weights"] == "bf16" for r in d["front"]) and len(d["front"]) > 0')" = True ] &&
  ok "the front of the bf16 points only" || fail "pareto filter: ${BODY:0:300}"
CSV=$(curl -fsS -H 'Accept: text/csv' "$U/api/v1/sweeps/$SW/results?limit=1000")
[ "$(echo "$CSV" | head -1 | cut -d, -f1-4)" = "point_index,batch,hardware.mem_bw,numerics.weights" ] && ok "CSV header" ||
  fail "csv header: $(echo "$CSV" | head -1)"
[ "$(echo "$CSV" | wc -l)" = 25 ] && ok "CSV rows" || fail "csv rows"
curl -fsS -D "$TMP/csvhdr" -o /dev/null -H 'Accept: text/csv' "$U/api/v1/sweeps/$SW/results?limit=10"
grep -qi '^X-Next-Page-Token: k9' "$TMP/csvhdr" && ok "CSV next page token header" || fail "csv token: $(cat "$TMP/csvhdr")"
req GET "$U/api/v1/sweeps/$SW/pareto?x=time_s:min&y=mfu:max"; expect 200 "pareto"
python3 - "$TMP/body" <<'PY' && ok "pareto front is non-dominated and sorted" || fail "pareto front"
import json, sys
d = json.load(open(sys.argv[1])); f = d["front"]
assert f, "empty front"
for a in f:
    for b in f:
        assert not (b["time_s"] <= a["time_s"] and b["mfu"] >= a["mfu"] and (b["time_s"] < a["time_s"] or b["mfu"] > a["mfu"]))
assert [p["time_s"] for p in f] == sorted(p["time_s"] for p in f)
PY
req GET "$U/api/v1/sweeps/$SW/pareto?x=notafield:min&y=mfu:max"; expect 400 "pareto unknown field"
req GET "$U/api/v1/sweeps?tag=hbm"; expect 200 "list by tag"
[ "$(jget 'len(d["sweeps"])')" = 1 ] && ok "tag filter" || fail "tag filter"
req GET "$U/api/v1/sweeps?tag=nope"; [ "$(jget 'len(d["sweeps"])')" = 0 ] && ok "tag filter excludes" || fail "tag none"
req GET "$U/api/v1/sweeps?status=succeeded&author=anonymous&created_after=2000-01-01T00:00:00Z"; expect 200 "list filters"
[ "$(jget 'len(d["sweeps"])')" = 1 ] && ok "status/author/created_after" || fail "filters"
# pagination over several sweeps
for i in 1 2 3; do
  curl -fsS -o /dev/null -X POST "$U/api/v1/sweeps" -d "{\"name\":\"p$i\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8]}]}"
done
req GET "$U/api/v1/sweeps?limit=2"; expect 200 "list page 1"
T=$(jget 'd["next_page_token"]')
req GET "$U/api/v1/sweeps?limit=2&page_token=$T"; expect 200 "list page 2"
[ "$(jget 'len(d["sweeps"])')" = 2 ] && [ "$(jget 'd["next_page_token"]')" = None ] && ok "cursor pages" || fail "pages: $BODY"
# cancel
req POST "$U/api/v1/sweeps" -d "{\"name\":\"big\",\"base\":$SPEC,\"chunk_size\":1000,\"axes\":[{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":400000,\"steps\":400000}}]}"
expect 202 "create big sweep"
BIG=$(jget 'd["id"]')
req POST "$U/api/v1/sweeps/$BIG/cancel"; expect 200 "cancel"
[ "$(jget 'd["status"]')" = cancelled ] && ok "cancelled" || fail "cancel status"
req POST "$U/api/v1/sweeps/$BIG/cancel"; expect 409 "cancel twice"
sleep 1.5
N1=$(sql "SELECT count(*) FROM sweep_results WHERE sweep_id = $BIG"); sleep 1.5
N2=$(sql "SELECT count(*) FROM sweep_results WHERE sweep_id = $BIG")
[ "$N1" = "$N2" ] && [ "$N2" -lt 400000 ] && ok "cancel stops claiming ($N2 points stored)" || fail "cancel: $N1 -> $N2"
req GET "$U/api/v1/sweeps/424242"; expect 404 "missing sweep"

# decisions
req POST "$U/api/v1/decisions" -d "{\"title\":\"HBM 1.5x\",\"question\":\"Does 1.5x HBM bandwidth pay?\",\"decision\":\"No for 8B training\",\"rationale\":\"compute bound\",\"confidence\":\"medium\",\"status\":\"accepted\",\"assumptions\":[{\"name\":\"matmul_efficiency\",\"value\":0.7,\"source\":\"default\",\"confidence\":\"medium\"}],\"evidence\":{\"sweeps\":[\"$SW\"],\"runs\":[\"$RUN\"]},\"tags\":[\"hbm\"]}"
expect 201 "create decision"
D1=$(jget 'd["id"]')
[ "$(jget 'd["evidence"]["sweeps"]')" = "['$SW']" ] && ok "evidence links" || fail "evidence: $BODY"
req POST "$U/api/v1/decisions" -d "{\"title\":\"HBM 1.5x v2\",\"question\":\"Does 1.5x HBM pay for decode?\",\"decision\":\"Yes for decode\",\"supersedes\":[\"$D1\"],\"tags\":[\"hbm\"]}"
expect 201 "superseding decision"
D2=$(jget 'd["id"]')
req GET "$U/api/v1/decisions/$D1"; expect 200 "get decision"
[ "$(jget 'd["status"]')" = superseded ] && [ "$(jget 'd["superseded_by"]')" = "$D2" ] && ok "old one superseded" ||
  fail "supersede: $BODY"
req POST "$U/api/v1/decisions" -d "{\"title\":\"x\",\"question\":\"q\",\"decision\":\"d\",\"supersedes\":[\"$D1\"]}"
expect 400 "cannot supersede twice"
req POST "$U/api/v1/decisions" -d '{"title":"x","question":"q","decision":"d","evidence":{"sweeps":["999999"]}}'
expect 400 "evidence must exist"
[ "$(jget 'd["field"]')" = "evidence.sweeps[0]" ] && ok "names evidence.sweeps[0]" || fail "field: $BODY"
req GET "$U/api/v1/decisions?q=decode"; expect 200 "search text"
[ "$(jget '[x["id"] for x in d["decisions"]]')" = "['$D2']" ] && ok "text search" || fail "search: $BODY"
req GET "$U/api/v1/decisions?tag=hbm&author=anonymous"; [ "$(jget 'len(d["decisions"])')" = 2 ] && ok "tag+author search" ||
  fail "tag search"
# a decision as one self-contained HTML report: question, decision, the
# assumptions, the sweep's scatter and fastest points with their parameters,
# the run's figures; record text escaped; no script, no external file
req GET "$U/api/v1/decisions/$D1/report"; expect 200 "decision report"
CT=$(curl -sS -o /dev/null -w '%{content_type}' "$U/api/v1/decisions/$D1/report")
python3 - "$TMP/body" "$CT" "$SW" "$RUN" <<'PY' && ok "report: HTML with the question, assumptions, sweep scatter + Pareto, points with params, run" || fail "report: $(head -c 600 "$TMP/body")"
import sys
from html.parser import HTMLParser
body, ct, sw, run = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3], sys.argv[4]
assert ct.startswith("text/html"), ct
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.tags = []; self.ext = []
    def handle_starttag(self, t, a):
        self.tags.append(t)
        a = dict(a)
        for k in ("src", "href"):
            if k in a: self.ext.append(a[k])
p = P(); p.feed(body)
assert "script" not in p.tags and not p.ext, (p.ext,)
for s in ("Does 1.5x HBM bandwidth pay?", "No for 8B training", "compute bound", "matmul_efficiency",
          f"Sweep {sw}: hbm what-if", f"Run {run}", "Pareto front", "batch = "):
    assert s in body, s
assert p.tags.count("circle") >= 3 and "polyline" in p.tags, p.tags.count("circle")
PY
req POST "$U/api/v1/decisions" -d '{"title":"<script>alert(1)</script> & \"q\"","question":"<img src=x onerror=alert(1)>","decision":"d"}'
expect 201 "decision with markup in its text"
DX=$(jget 'd["id"]')
req GET "$U/api/v1/decisions/$DX/report"; expect 200 "its report"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;' "$TMP/body" && ! grep -q '<script>\|<img' "$TMP/body" &&
  ok "record text is escaped in the report" || fail "report escaping: $(head -c 400 "$TMP/body")"
req GET "$U/api/v1/decisions/999999/report"; expect 404 "report of a missing decision"

# numerics
req POST "$U/api/v1/numerics/quantize" -d '{"format":"mxfp4","n":65536,"seed":7}'; expect 200 "quantize"
# docs/numerics.md: MXFP4 on N(0,1) is about 18.8 dB SQNR, 4.25 bits per element (OCP MX v1.0 §5)
[ "$(jget 'abs(d["sqnr_db"] - 18.8) < 0.5 and d["bits_per_element"] == 4.25')" = True ] && ok "MXFP4 SQNR ~18.8 dB" ||
  fail "quantize: ${BODY:0:300}"
req POST "$U/api/v1/numerics/quantize" -d '{"format":"fp5_nope"}'; expect 400 "unknown format"
[ "$(jget 'd["field"]')" = format ] && ok "names format" || fail "quantize field"
req GET "$U/api/v1/numerics/formats"; expect 200 "formats"
req POST "$U/api/v1/evaluate" -d "${SPEC%\}},\"numerics\":{\"weights\":\"mxfp6_e2m3\"},\"quality\":true}"; expect 200 "evaluate with quality"
[ "$(jget 'd["result"]["quality"]["weights"]["format"]')" = mxfp6_e2m3 ] && ok "quality of the weight format, inside the result" ||
  fail "quality: ${BODY:0:200}"
# One evaluation path: the service's result is the CLI's, batch analysis
# included (the git commit and timing-free fields are the same build's).
DEC='{"model":"llama3-8b","hardware":"h100-sxm","phase":"decode","batch":16,"seq_len":2048,"quality":true}'
req POST "$U/api/v1/evaluate" -H 'Content-Type: application/json' -d "$DEC"; expect 200 "evaluate decode"
echo "$DEC" | "$BUILD/ridge" evaluate - >"$TMP/cli.json"
python3 - "$TMP/body" "$TMP/cli.json" <<'PY' && ok "HTTP result equals the CLI's (saturation and quality included)" || fail "HTTP and CLI results differ"
import json, sys
http = json.load(open(sys.argv[1]))["result"]
cli = json.load(open(sys.argv[2]))
assert "saturation_batch" in http and "max_batch_fits" in http and "quality" in http, sorted(http)
assert http == cli, sorted(k for k in set(http) | set(cli) if http.get(k) != cli.get(k))
PY

# an integer log range whose steps round alike counts distinct points only
DUP="{\"name\":\"dup\",\"base\":$SPEC,\"axes\":[{\"path\":\"parallelism.dp\",\"range\":{\"start\":1,\"stop\":8,\"steps\":12,\"scale\":\"log\"}}]}"
req POST "$U/api/v1/sweeps?dry_run=true" -H 'Content-Type: application/json' -d "$DUP"; expect 200 "dry run"
[ "$(jget '(d["points_total"], d["points_requested"], d["collapsed"][0]["steps"], d["collapsed"][0]["distinct"])')" = "(7, 12, 12, 7)" ] &&
  ok "12 log steps over 1..8 are 7 distinct points" || fail "dry run counts: $BODY"
NSW=$(sql 'SELECT count(*) FROM sweeps')
req POST "$U/api/v1/sweeps?dry_run=true" -H 'Content-Type: application/json' -d "$DUP"
[ "$(sql 'SELECT count(*) FROM sweeps')" = "$NSW" ] && ok "dry run stores nothing" || fail "dry run stored a sweep"
req POST "$U/api/v1/sweeps" -H 'Content-Type: application/json' -d "$DUP"; expect 202 "sweep with collapsed steps"
DUPID=$(jget 'd["id"]')
[ "$(jget 'd["points_total"]')" = 7 ] && ok "points_total counts distinct points" || fail "points_total: $BODY"
[ "$(jget 'd["provenance"]["collapsed"][0]["path"]')" = parallelism.dp ] && ok "provenance says what collapsed" ||
  fail "collapsed: $BODY"
[ "$(wait_sweep "$U" "$DUPID" 60)" = succeeded ] && ok "collapsed sweep succeeded" || fail "collapsed sweep"
req GET "$U/api/v1/sweeps/$DUPID/results?limit=100"
[ "$(jget 'sorted(r["params"]["parallelism.dp"] for r in d["results"]) == [1,2,3,4,5,7,8]')" = True ] &&
  ok "each distinct dp evaluated once" || fail "dp values: ${BODY:0:300}"

# CSV of a 25,000-point sweep: streamed from COPY in one answer, or in pages
# that follow X-Next-Page-Token; every point once, every value equal as a
# double to the JSON results
req POST "$U/api/v1/sweeps" -H 'Content-Type: application/json' -d '{"name": "csv 25k", "base": {"model": "llama3-8b", "hardware": "h100-sxm", "phase": "decode", "batch": 8, "seq_len": 2048}, "axes": [{"path": "batch", "range": {"start": 1, "stop": 2500, "steps": 2500}}, {"path": "hardware.mem_bw", "range": {"start": 2e12, "stop": 8e12, "steps": 10}}]}'
expect 202 "25,000-point sweep"
CSVSW=$(jget 'd["id"]')
[ "$(wait_sweep "$U" "$CSVSW" 120)" = succeeded ] && ok "25,000-point sweep succeeded" || fail "csv sweep"
python3 - "$PORT" "$CSVSW" <<'PY' && ok "CSV of 25,000 points complete, pages equal to one answer, values equal to JSON as doubles" || fail "CSV 25k"
import csv, http.client, io, json, sys
port, sw = int(sys.argv[1]), sys.argv[2]
conn = http.client.HTTPConnection("127.0.0.1", port)
def get(q, accept):
    conn.request("GET", f"/api/v1/sweeps/{sw}/results?{q}", headers={"Accept": accept})
    r = conn.getresponse(); body = r.read()
    assert r.status == 200, (r.status, body[:300])
    return r, body
r, whole = get("limit=100000", "text/csv")
assert r.getheader("X-Next-Page-Token") is None and r.getheader("Transfer-Encoding") == "chunked"
rows = list(csv.reader(io.StringIO(whole.decode())))
head, rows = rows[0], rows[1:]
assert head[:3] == ["point_index", "batch", "hardware.mem_bw"] and head[3] == "status", head
idx = [int(x[0]) for x in rows]
assert len(rows) == 25000 and sorted(idx) == list(range(25000)), (len(rows), len(set(idx)))
paged, tok, pages = [], "", 0
while True:
    r, body = get("limit=10000" + (f"&page_token={tok}" if tok else ""), "text/csv")
    part = list(csv.reader(io.StringIO(body.decode())))
    assert part[0] == head
    paged += part[1:]; pages += 1
    tok = r.getheader("X-Next-Page-Token")
    if not tok:
        break
assert pages == 3 and paged == rows, (pages, len(paged))
js, tok = [], ""
while True:
    _, body = get("limit=10000" + (f"&page_token={tok}" if tok else ""), "application/json")
    d = json.loads(body); js += d["results"]; tok = d["next_page_token"]
    if not tok:
        break
assert len(js) == 25000
for row, j in zip(rows, js):
    assert int(row[0]) == j["point_index"]
    for name, v in zip(head[1:], row[1:]):
        want = j["params"][name] if name in j["params"] else j.get(name)
        if want is None:
            assert v == "", (name, v)
        elif isinstance(want, bool):
            assert v == ("true" if want else "false"), (name, v, want)
        else:
            assert float(v) == float(want), (name, v, want)
PY

# a client that hangs up in the middle of a streamed CSV: the export stops,
# its connection goes back to the pool, and ridged keeps answering
for _ in 1 2 3; do
  curl -sS -N -H 'Accept: text/csv' "$U/api/v1/sweeps/$CSVSW/results?limit=100000" 2>/dev/null | head -c 2000 >/dev/null || true
done
req GET "$U/api/v1/sweeps/$CSVSW/results?limit=1" -H 'Accept: text/csv'; expect 200 "CSV after clients hung up"
req GET "$U/api/v1/health"; [ "$(jget 'd["database"]')" = ok ] && ok "healthy after cut streams" || fail "health: $BODY"

# layout searches: queued as chunks of configurations, run by the sweep
# workers, ranked as `ridge search` ranks the same spec
GPT3='{"model": "gpt3-175b", "hardware": "a100-sxm-80gb", "system": "dgx-a100", "phase": "train", "batch": 1536, "seq_len": 2048, "chips": 1024, "parallelism": {"tp": 8, "pp": 16, "dp": 8, "microbatch": 1}}'
H=(-H 'Content-Type: application/json')
search_bad() {  # search_bad CODE FIELD BODY DESCRIPTION
  req POST "$U/api/v1/searches" "${H[@]}" -d "$3"
  [ "$CODE" = "$1" ] && [ "$(jget 'd.get("field")')" = "$2" ] && ok "search: $4 ($1, $2)" ||
    fail "search $4: $CODE ${BODY:0:300}"
}
NS0=$(sql 'SELECT count(*) FROM searches')
search_bad 400 spec '{"name": "x"}' "no spec"
search_bad 400 spec.chips "{\"spec\": $(echo "$GPT3" | sed 's/"chips": 1024, //')}" "no chips"
search_bad 400 spec.model.preset "{\"spec\": $(echo "$GPT3" | sed 's/gpt3-175b/gpt9/')}" "unknown model"
search_bad 400 options.top "{\"spec\": $GPT3, \"options\": {\"top\": 0}}" "top 0"
search_bad 400 options.max_interleave "{\"spec\": $GPT3, \"options\": {\"max_interleave\": 1e300}}" "huge interleave"
search_bad 400 options.uneven_stages "{\"spec\": $GPT3, \"options\": {\"uneven_stages\": 1}}" "uneven_stages not a boolean"
search_bad 400 options.goal "{\"spec\": $GPT3, \"options\": {\"goal\": \"chips\"}}" "unknown option"
search_bad 400 chunk_size "{\"spec\": $GPT3, \"chunk_size\": \"big\"}" "chunk_size not a number"
search_bad 413 spec.chips "{\"spec\": $GPT3, \"options\": {\"max_configs\": 1000}}" "space above max_configs"
search_bad 422 spec.phase '{"spec": {"model": "llama3-8b", "hardware": "h100-sxm", "phase": "serve", "chips": 1, "serving": {"arrival": {"rate_per_s": 1}, "requests": 10, "prompt_tokens": 100, "output_tokens": 10}}}' "serve spec"
[ "$(sql 'SELECT count(*) FROM searches')|$(sql 'SELECT count(*) FROM search_chunks')" = "$NS0|0" ] &&
  ok "refused searches store nothing" || fail "a refused search was stored"
req POST "$U/api/v1/searches" "${H[@]}" -D "$TMP/hdr" -d "{\"name\": \"gpt3 layouts\", \"spec\": $GPT3, \"options\": {\"top\": 5}, \"chunk_size\": 20000}"
expect 202 "create search"
SR=$(jget 'd["id"]')
grep -qi "^Location: /api/v1/searches/$SR" "$TMP/hdr" && ok "search Location header" || fail "search Location"
[ "$(jget 'd["configs_total"]')|$(sql "SELECT count(*) FROM search_chunks WHERE search_id = $SR")" = "161064|9" ] &&
  ok "161,064 layouts in 9 chunks" || fail "search counts: ${BODY:0:300}"
for _ in $(seq 1 600); do
  req GET "$U/api/v1/searches/$SR"
  case "$(jget 'd["status"]')" in succeeded | failed) break ;; esac
  sleep 0.1
done
[ "$(jget 'd["status"]')" = succeeded ] && ok "search succeeded" || fail "search: ${BODY:0:400}"
echo "$GPT3" >"$TMP/gpt3.json"
"$BUILD/ridge" search "$TMP/gpt3.json" --top 5 >"$TMP/cli_search.json"
python3 - "$TMP/body" "$TMP/cli_search.json" <<'PY' && ok "same ranking and counts as ridge search" || fail "search differs from ridge search"
import json, sys
h, c = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert h["best"] == c["best"] and len(h["best"]) == 5, (h["best"][:1], c["best"][:1])
for k in ("evaluated", "feasible", "no_fit", "rejected"):
    assert h[k] == c[k], (k, h[k], c[k])
assert h["configs_done"] == h["configs_total"] == c["evaluated"]
assert h["provenance"]["spec_sha256"] == c["base_spec_sha256"]
PY
[ "$(sql "SELECT count(*) FROM search_chunks WHERE search_id = $SR AND state = 'done'")" = 9 ] &&
  ok "every chunk done once" || fail "search chunks"
req POST "$U/api/v1/searches" "${H[@]}" -d "{\"spec\": $GPT3, \"options\": {\"top\": 1, \"max_interleave\": 1}}"
expect 202 "second search"
SRB=$(jget 'd["id"]')
# a space without a single layout (3 chips: 3 divides neither the heads, the
# layers, the batch nor seq_len) is a finished search with an empty ranking
req POST "$U/api/v1/searches" "${H[@]}" -d '{"spec": {"model": "llama3-8b", "hardware": "h100-sxm", "system": "dgx-h100", "phase": "train", "batch": 256, "seq_len": 4096, "chips": 3}}'
expect 202 "search of an empty space"
[ "$(jget '(d["status"], d["configs_total"], d["best"])')" = "('succeeded', 0, [])" ] &&
  ok "an empty space is a finished search with no layouts" || fail "empty search: ${BODY:0:300}"
SR2=$(jget 'd["id"]')
req GET "$U/api/v1/searches?limit=1"; expect 200 "list searches"
[ "$(jget 'd["searches"][0]["id"]')" = "$SR2" ] && [ "$(jget '"best" in d["searches"][0]')" = False ] &&
  ok "newest first, without rankings" || fail "search list: ${BODY:0:300}"
req GET "$U/api/v1/searches?limit=1&page_token=$(jget 'd["next_page_token"]')"; expect 200 "search page 2"
[ "$(jget 'd["searches"][0]["id"]')" = "$SRB" ] && ok "search pages" || fail "search page 2: ${BODY:0:300}"
# cancel: its chunks are no longer claimed; a finished search cannot be cancelled
# (small chunks, so that the workers cannot finish the search before the
# cancel arrives; what is checked is that no chunk is claimed after it)
req POST "$U/api/v1/searches" "${H[@]}" -d "{\"spec\": $GPT3, \"chunk_size\": 100}"
expect 202 "search to cancel"
SRC_ID=$(jget 'd["id"]')
req POST "$U/api/v1/searches/$SRC_ID/cancel" "${H[@]}" -d '{}'; expect 200 "cancel search"
[ "$(jget 'd["status"]')" = cancelled ] && ok "search cancelled" || fail "cancel: ${BODY:0:200}"
PENDING=$(sql "SELECT count(*) FROM search_chunks WHERE search_id = $SRC_ID AND state = 'pending'")
sleep 0.5
[ "$PENDING" -gt 0 ] && [ "$(sql "SELECT count(*) FROM search_chunks WHERE search_id = $SRC_ID AND state = 'pending'")" = "$PENDING" ] &&
  ok "a cancelled search's chunks stay unclaimed ($PENDING pending)" || fail "chunks claimed after cancel"
req POST "$U/api/v1/searches/$SRC_ID/cancel" "${H[@]}" -d '{}'; expect 409 "cancel twice"
req POST "$U/api/v1/searches/$SR/cancel" "${H[@]}" -d '{}'; expect 409 "cancel a finished search"
req POST "$U/api/v1/searches/999999/cancel" "${H[@]}" -d '{}'; expect 404 "cancel no such search"
req GET "$U/api/v1/searches?status=done"; expect 400 "unknown search status"
req GET "$U/api/v1/searches/999999"; expect 404 "no such search"
req GET "$U/api/v1/searches/abc"; expect 404 "malformed search id"

# metrics
req GET "$U/api/v1/metrics"; expect 200 "metrics"
echo "$BODY" | grep -q 'ridged_http_requests_total{route="sweep_create",code="202"}' && ok "requests by route and code" ||
  fail "metrics route"
echo "$BODY" | grep -q 'ridged_http_request_duration_seconds_bucket{le="+Inf"}' && ok "latency histogram" || fail "histogram: $(echo "$BODY" | grep duration | head -5)"
echo "$BODY" | grep -q '^ridged_points_done_total [1-9]' && ok "points counter" || fail "points counter"
echo "$BODY" | grep -q '^ridged_db_pool_connections ' && ok "pool stats" || fail "pool stats"

# static files
req GET "$U/"; expect 200 "index.html at /"
curl -sI "$U/" | grep -qi '^Content-Type: text/html' && ok "text/html" || fail "content type"
req GET "$U/../../etc/passwd" --path-as-is; [ "$CODE" = 404 ] && ok "no traversal (..)" || fail "traversal: $CODE"
req GET "$U/%2e%2e/%2e%2e/etc/passwd" --path-as-is; [ "$CODE" = 404 ] && ok "no traversal (encoded)" || fail "traversal enc: $CODE"
req GET "$U/nope.html"; expect 404 "missing file"
[ "$(jget 'd["status"]')" = 404 ] && ok "404 is problem+json" || fail "404 body"

stop_ridged
finish
