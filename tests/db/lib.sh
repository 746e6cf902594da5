# lib.sh: shared helpers for the database/HTTP tests (sourced, not run).
# Each test gets its own database in the fixture's cluster and its own
# ridged on a free port; everything it starts is stopped by the EXIT trap.
set -euo pipefail
BUILD=${1:?usage: test.sh BUILD_DIR SRC_DIR PGDIR}
SRC=${2:?}
PGDIR=${3:?}
RIDGED="$BUILD/ridged"
[ -x "$RIDGED" ] || { echo "no ridged binary in $BUILD" >&2; exit 1; }
[ -f "$PGDIR/conninfo" ] || { echo "no PostgreSQL fixture in $PGDIR (run tests/db/pg_start.sh)" >&2; exit 1; }
PGCONN=$(cat "$PGDIR/conninfo")
TMP=$(mktemp -d)
PIDS=()
FAILS=0
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
finish() {
  if [ "$FAILS" -ne 0 ]; then echo "$FAILS check(s) failed" >&2; exit 1; fi
  echo "all checks passed"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# new_db NAME: creates a fresh database; prints its conninfo.
new_db() {
  local name="t_$1_$$"
  psql "$PGCONN dbname=postgres" -qAt -c "DROP DATABASE IF EXISTS $name" >/dev/null 2>&1
  psql "$PGCONN dbname=postgres" -qAt -c "CREATE DATABASE $name" >/dev/null
  echo "$PGCONN dbname=$name"
}

sql() { psql "$DB" -qAt -c "$1"; }

# start_ridged PORT [args...]: starts ridged against $DB, waits for health.
# Sets RPID (pid) and RLOG (log file).
start_ridged() {
  local port=$1
  shift
  RLOG="$TMP/ridged.$port.log"
  OMP_WAIT_POLICY=passive "$RIDGED" --db "$DB" --web "$SRC/web" --threads 2 "$@" >"$RLOG" 2>&1 &
  RPID=$!
  PIDS+=("$RPID")
  local host=127.0.0.1
  for _ in $(seq 1 100); do
    if curl -fsS "http://$host:$port/api/v1/health" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$RPID" 2>/dev/null; then cat "$RLOG" >&2; echo "ridged exited" >&2; return 1; fi
    sleep 0.1
  done
  cat "$RLOG" >&2
  echo "ridged did not become healthy" >&2
  return 1
}

# req METHOD URL [curl args...]: prints the body to $TMP/body, returns the code in CODE.
req() {
  local m=$1 u=$2
  shift 2
  CODE=$(curl -sS -o "$TMP/body" -w '%{http_code}' -X "$m" "$u" "$@")
  BODY=$(cat "$TMP/body")
}

# expect CODE DESCRIPTION
expect() {
  if [ "$CODE" = "$1" ]; then ok "$2 ($CODE)"; else fail "$2: expected $1, got $CODE: ${BODY:0:400}"; fi
}

# jget EXPR: evaluates a Python expression on the JSON body bound to d.
jget() { python3 -c "import json,sys; d=json.load(open('$TMP/body')); print($1)"; }

wait_sweep() {  # wait_sweep BASE_URL ID TIMEOUT_S: waits for a terminal status
  local url=$1 id=$2 t=${3:-60} st=""
  for _ in $(seq 1 $((t * 10))); do
    st=$(curl -fsS "$url/api/v1/sweeps/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    case "$st" in succeeded | failed | cancelled) echo "$st"; return 0 ;; esac
    sleep 0.1
  done
  echo "$st"
}

SPEC='{"model":"llama3-8b","hardware":"h100-sxm","system":"dgx-h100","phase":"train","batch":256,"seq_len":4096,"parallelism":{"dp":8}}'

# stop_ridged: SIGTERM the last started ridged; it must exit 0 and its log
# must hold no sanitizer report (the ASan build runs these tests too).
stop_ridged() {
  local rc=0
  kill -TERM "$RPID" 2>/dev/null || true
  wait "$RPID" 2>/dev/null || rc=$?
  if [ "$rc" = 0 ] && ! grep -qE 'Sanitizer|runtime error' "$RLOG"; then
    ok "ridged stopped cleanly"
  else
    fail "ridged exit status $rc; log: $(grep -A30 -E 'Sanitizer|runtime error' "$RLOG" | head -40)"
  fi
}
