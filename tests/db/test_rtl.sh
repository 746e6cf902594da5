#!/usr/bin/env bash
# test_rtl.sh: RTL jobs through ridged against a real PostgreSQL: bad
# requests answered 400 naming the field with nothing written; a job (mul
# fp4_e2m1, exhaustive co-simulation + synthesis) queued with POST, run by
# the replica's RTL worker, read back with its Verilog (whose SHA-256 is
# the recorded one), area and provenance; finished jobs immutable; the job
# list; a decision citing the job; a job that fails reports the tool's
# message; SIGTERM during a flow hands the job back and a restarted replica
# finishes it; a job queued on one replica runs on another; no temporary
# directory is left behind.
source "$(dirname "$0")/lib.sh"
for t in iverilog vvp yosys sta; do
  command -v "$t" >/dev/null || { echo "skipped: $t is not installed (scripts/deps.sh installs it)"; exit 77; }
done
[ -f /usr/share/qflow/tech/osu018/osu018_stdcells.lib ] ||
  { echo "skipped: qflow-tech-osu018 is not installed (scripts/deps.sh installs it)"; exit 77; }
DB=$(new_db rtl)
PORT=$(free_port)
U="http://127.0.0.1:$PORT"
export TMPDIR="$TMP/flowtmp"   # the RTL worker's temporary directories go here
mkdir -p "$TMPDIR"
start_ridged "$PORT" --listen "127.0.0.1:$PORT" --workers 1 --omp-threads 1

# wait_job ID TIMEOUT_S: prints the terminal status (or the last one seen)
wait_job() {
  local id=$1 t=${2:-120} st=""
  for _ in $(seq 1 $((t * 5))); do
    st=$(curl -fsS "$U/api/v1/rtl/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    case "$st" in done | failed) echo "$st"; return 0 ;; esac
    sleep 0.2
  done
  echo "$st"
}
rows() { sql "SELECT count(*) FROM rtl_jobs"; }

# ---- bad input: 400 naming the field, nothing written
req POST "$U/api/v1/rtl" -d '{"unit":"mul","format":"fp5_nope"}'; expect 400 "unknown format"
[ "$(jget 'd["field"]')" = format ] && ok "problem names format" || fail "field: $BODY"
req POST "$U/api/v1/rtl" -d '{"unit":"mul","format":"fp8_e4m3","colour":"red"}'; expect 400 "unknown key"
[ "$(jget 'd["field"]')" = colour ] && ok "problem names the unknown key" || fail "field: $BODY"
req POST "$U/api/v1/rtl" -d '{"unit":"mul","format":"fp8_e4m3","synth":"yes"}'; expect 400 "wrong type"
[ "$(jget 'd["field"]')" = synth ] && ok "problem names synth" || fail "field: $BODY"
req POST "$U/api/v1/rtl" -d '{"unit":"dot","format":"mxfp4","align_bits":-3}'; expect 400 "negative align_bits"
[ "$(jget 'd["field"]')" = align_bits ] && ok "problem names align_bits" || fail "field: $BODY"
req POST "$U/api/v1/rtl" -d '{"unit":"mul","format":"fp8_e4m3","seed":"12x"}'; expect 400 "bad seed"
req POST "$U/api/v1/rtl" -d '{"format":"fp8_e4m3"}'; expect 400 "missing unit"
[ "$(jget 'd["field"]')" = unit ] && ok "problem names unit" || fail "field: $BODY"
req POST "$U/api/v1/rtl" -d '{"unit":"mul","format":"fp8_e4m3"} x'; expect 400 "trailing garbage"
[ "$(rows)" = 0 ] && ok "no job written for bad requests" || fail "$(rows) rows written"

# ---- a job: mul fp4_e2m1, exhaustive co-simulation + synthesis
T0=$(date +%s.%N)
req POST "$U/api/v1/rtl" -D "$TMP/hdr" -d '{"unit":"mul","format":"fp4_e2m1","cosim":true,"synth":true,"seed":"18446744073709551615"}'
expect 202 "queue mul fp4_e2m1"
JOB=$(jget 'd["id"]')
grep -qi "^Location: /api/v1/rtl/$JOB" "$TMP/hdr" && ok "Location header" || fail "no Location: $(cat "$TMP/hdr")"
[ "$(jget '(d["request"]["seed"], d["request"]["unit"], d["request"]["rounding"] != "")')" = "('18446744073709551615', 'mul', True)" ] &&
  ok "canonical request (seed as a string, defaults filled in)" || fail "request: ${BODY:0:300}"
ST=$(wait_job "$JOB" 120)
T1=$(date +%s.%N)
[ "$ST" = done ] && ok "job done in $(python3 -c "print(round($T1 - $T0, 1))") s" || fail "job status $ST: $(curl -sS "$U/api/v1/rtl/$JOB" | head -c 600)"
req GET "$U/api/v1/rtl/$JOB"; expect 200 "get job"
python3 - "$TMP/body" <<'PY' && ok "Verilog's SHA-256 is the recorded one" || fail "verilog sha256"
import hashlib, json, re, sys
d = json.load(open(sys.argv[1]))
v = d["verilog"]
assert v and "module" in v, v[:200]
assert hashlib.sha256(v.encode()).hexdigest() == d["provenance"]["verilog_sha256"], d["provenance"]
assert d["verilog_bytes"] == len(v.encode())
# the generator hashes its files' texts in order; the record adds a header line before each
bodies = re.split(r"^// ==== ridge rtl: .* ====\n", v, flags=re.M)
assert bodies[0] == "" and len(bodies) - 1 == len([f for f in d["result"]["files"] if f.endswith(".v")]), bodies[:1]
assert hashlib.sha256("".join(bodies).encode()).hexdigest() == d["provenance"]["generator_verilog_sha256"]
assert "dir" not in d["result"], "the flow's temporary directory is not part of the record"
PY
[ "$(jget 'd["result"]["synthesis"]["area_um2"] > 0 and d["result"]["synthesis"]["cells"] > 0')" = True ] &&
  ok "area $(jget 'd["result"]["synthesis"]["area_um2"]') um2, $(jget 'd["result"]["synthesis"]["cells"]') cells" ||
  fail "synthesis: $(jget 'd["result"].get("synthesis")')"
[ "$(jget 'd["result"]["top"] != "" and "a" in d["result"]["ports"] and "y" in d["result"]["ports"]')" = True ] &&
  ok "top and ports" || fail "result: ${BODY:0:400}"
python3 - "$TMP/body" <<'PY' && ok "provenance: generator version, tools, liberty checksum, parameters" || fail "provenance: $(jget 'd["provenance"]')"
import json, sys
p = json.load(open(sys.argv[1]))["provenance"]
assert p["generator_version"] and p["parameters"], p
assert len(p["liberty"]["sha256"]) == 64, p
assert all(p["tools"].get(t) for t in ("yosys", "sta", "iverilog", "verilator")), p
assert p["engine_version"] and p["git_commit"], p
assert len(p["request_sha256"]) == 64 and p["author"] == "anonymous" and p["replica"], p
PY
[ "$(jget 'd["result"]["cosim"]["mismatches"]')" = 0 ] && ok "co-simulation: 0 mismatches" ||
  fail "cosim: $(jget 'd["result"].get("cosim")')"
[ "$(jget 'all(d[k] for k in ("created_at", "started_at", "finished_at"))')" = True ] && ok "times" || fail "times"
if psql "$DB" -qAt -c "UPDATE rtl_jobs SET verilog = 'x' WHERE id = $JOB" >/dev/null 2>&1; then
  fail "a finished job is mutable"
else ok "finished jobs are immutable"; fi
if psql "$DB" -qAt -c "DELETE FROM rtl_jobs WHERE id = $JOB" >/dev/null 2>&1; then fail "a finished job can be deleted"
else ok "finished jobs cannot be deleted"; fi
[ -z "$(ls -A "$TMPDIR")" ] && ok "temporary directory removed" || fail "left behind: $(ls -A "$TMPDIR")"

# ---- list
req POST "$U/api/v1/rtl" -d '{"unit":"mul","format":"fp8_e4m3"}'; expect 202 "queue a generate-only job"
JOB2=$(jget 'd["id"]')
[ "$(wait_job "$JOB2" 60)" = done ] && ok "generate-only job done" || fail "job $JOB2"
req GET "$U/api/v1/rtl?limit=1"; expect 200 "list"
[ "$(jget '([j["id"] for j in d["jobs"]], d["next_page_token"])')" = "(['$JOB2'], '$JOB2')" ] && ok "newest first, paged" ||
  fail "list: ${BODY:0:300}"
[ "$(jget '"verilog" in d["jobs"][0]')" = False ] && ok "list leaves out the Verilog text" || fail "verilog in list"
req GET "$U/api/v1/rtl?page_token=$JOB2"; expect 200 "page 2"
[ "$(jget '[j["id"] for j in d["jobs"]]')" = "['$JOB']" ] && ok "page 2 holds the first job" || fail "page 2: ${BODY:0:200}"
req GET "$U/api/v1/rtl?format=fp4_e2m1&status=done"; expect 200 "filter"
[ "$(jget '[j["id"] for j in d["jobs"]]')" = "['$JOB']" ] && ok "filter by format and status" || fail "filter"
req GET "$U/api/v1/rtl?status=finished"; expect 400 "unknown status"
req GET "$U/api/v1/rtl/999999"; expect 404 "missing job"
M=$(curl -fsS "$U/metrics")
echo "$M" | grep -q '^ridged_rtl_jobs_created_total 2$' && echo "$M" | grep -q '^ridged_rtl_jobs_done_total 2$' &&
  ok "metrics count RTL jobs" || fail "metrics: $(echo "$M" | grep rtl_jobs)"
req GET "$U/api/v1/rtl/abc"; expect 404 "malformed id"

# ---- a decision citing the job
req POST "$U/api/v1/decisions" -d "{\"title\":\"FP4 multiplier\",\"question\":\"What does an E2M1 multiplier cost?\",\"decision\":\"Build it\",\"evidence\":{\"rtl\":[\"$JOB\"]}}"
expect 201 "decision citing an RTL job"
[ "$(jget 'd["evidence"]["rtl"]')" = "['$JOB']" ] && ok "evidence.rtl recorded" || fail "evidence: ${BODY:0:300}"
DEC=$(jget 'd["id"]')
req GET "$U/api/v1/decisions/$DEC"; [ "$(jget 'd["evidence"]["rtl"]')" = "['$JOB']" ] && ok "evidence.rtl read back" || fail "get decision"
req POST "$U/api/v1/decisions" -d '{"title":"t","question":"q","decision":"d","evidence":{"rtl":["999999"]}}'
expect 400 "decision citing a missing RTL job"
[ "$(jget 'd["field"]')" = "evidence.rtl[0]" ] && ok "problem names evidence.rtl[0]" || fail "field: $BODY"

# ---- SIGTERM during a flow: the job is handed back and finished after a restart
req POST "$U/api/v1/rtl" -d '{"unit":"mul","format":"fp8_e4m3","cosim":true,"synth":true}'; expect 202 "queue a longer job"
JOB3=$(jget 'd["id"]')
for _ in $(seq 1 100); do
  [ "$(sql "SELECT status FROM rtl_jobs WHERE id = $JOB3")" = running ] && break
  sleep 0.05
done
sleep 0.5
T0=$(date +%s.%N)
stop_ridged
T1=$(date +%s.%N)
python3 -c "import sys; sys.exit(0 if $T1 - $T0 < 10 else 1)" && ok "stopped mid-flow in $(python3 -c "print(round($T1 - $T0, 2))") s" ||
  fail "slow shutdown"
ST=$(sql "SELECT status || '|' || coalesce(owner, '-') FROM rtl_jobs WHERE id = $JOB3")
case "$ST" in queued* | done*) ok "job handed back or finished ($ST)" ;; *) fail "job left $ST" ;; esac
[ -z "$(ls -A "$TMPDIR")" ] && ok "the stopped flow's directory removed" || fail "left behind: $(ls -A "$TMPDIR")"
pgrep -f "rtl-exec $TMPDIR" >/dev/null && fail "a flow process outlived ridged" || ok "no flow process left"

start_ridged "$PORT" --listen "127.0.0.1:$PORT"
[ "$(wait_job "$JOB3" 120)" = done ] && ok "restarted replica finished the handed-back job" || fail "job $JOB3"
req GET "$U/api/v1/rtl/$JOB3"
[ "$(jget 'd["attempts"] >= 2 and d["result"]["synthesis"]["area_um2"] > 0')" = True ] && ok "recorded once, on a later attempt" ||
  fail "job $JOB3: ${BODY:0:300}"
stop_ridged

# ---- SIGKILL during a flow: the flow dies with its replica, the lease expires, another claim finishes the job
start_ridged "$PORT" --listen "127.0.0.1:$PORT" --lease-seconds 3
req POST "$U/api/v1/rtl" -d '{"unit":"mul","format":"fp8_e5m2","cosim":true,"synth":true}'; expect 202 "queue a job to crash"
JOB6=$(jget 'd["id"]')
for _ in $(seq 1 100); do
  [ "$(sql "SELECT status FROM rtl_jobs WHERE id = $JOB6")" = running ] && break
  sleep 0.05
done
sleep 0.5
kill -9 "$RPID"
wait "$RPID" 2>/dev/null || true
sleep 0.5
pgrep -f "rtl-exec $TMPDIR" >/dev/null && fail "the flow outlived a killed ridged" || ok "the flow died with its replica"
rm -rf "${TMPDIR:?}"/*   # a killed replica cannot clean up; its directory is the operator's
start_ridged "$PORT" --listen "127.0.0.1:$PORT" --lease-seconds 3
[ "$(wait_job "$JOB6" 120)" = done ] && ok "job finished after its lease expired" || fail "job $JOB6"
[ "$(sql "SELECT attempts FROM rtl_jobs WHERE id = $JOB6")" = 2 ] && ok "claimed twice, recorded once" || fail "attempts"
stop_ridged

# ---- a failing job reports the tool's message (a replica without its cell library)
start_ridged "$PORT" --listen "127.0.0.1:$PORT" --rtl-liberty "$TMP/missing/osu018_stdcells.lib"
req POST "$U/api/v1/rtl" -d '{"unit":"mul","format":"fp4_e2m1","synth":true}'; expect 202 "queue a job that cannot synthesize"
JOB4=$(jget 'd["id"]')
[ "$(wait_job "$JOB4" 60)" = failed ] && ok "job failed" || fail "job $JOB4 did not fail"
req GET "$U/api/v1/rtl/$JOB4"
[ "$(jget '"missing/osu018_stdcells.lib" in d["error"] or "liberty" in d["error"]')" = True ] &&
  ok "failure carries the tool's message ($(jget 'd["error"][:120]'))" || fail "error: ${BODY:0:400}"
[ "$(jget 'd["result"] is None and d["verilog_bytes"] is None')" = True ] && ok "no result stored for a failure" || fail "result"
[ -z "$(ls -A "$TMPDIR")" ] && ok "no temporary directory left" || fail "left behind: $(ls -A "$TMPDIR")"
stop_ridged

# ---- a job queued on a replica without RTL workers runs on another replica
PORT2=$(free_port)
start_ridged "$PORT" --listen "127.0.0.1:$PORT" --replica front --rtl-workers 0
FRONT=$RPID
start_ridged "$PORT2" --listen "127.0.0.1:$PORT2" --replica back
req POST "$U/api/v1/rtl" -d '{"unit":"mac","format":"fp8_e4m3","acc":"fp32"}'; expect 202 "queue on the replica without RTL workers"
JOB5=$(jget 'd["id"]')
[ "$(wait_job "$JOB5" 60)" = done ] && ok "job done" || fail "job $JOB5"
req GET "$U/api/v1/rtl/$JOB5"
[ "$(jget '(d["provenance"]["submitted_to"], d["replica"])')" = "('front', 'back')" ] &&
  ok "queued on front, run on back" || fail "replicas: $(jget 'd["provenance"]')"
stop_ridged
RPID=$FRONT
stop_ridged
finish
